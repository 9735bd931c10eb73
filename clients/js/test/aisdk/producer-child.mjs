// A producer process for the drill that kills one: it creates a stream (lease from argv), pipes a slow
// model answer into it, and prints `appended` once the first tokens are durable. Killed with SIGKILL, it
// leaves the stream to its lease.
import { JournalClient } from '../../src/index.js';
import { pipeUIMessageStream } from '../../src/ai.js';
import { answerStream, model, tokens } from './support.mjs';

const [baseUrl, token, sessionId, streamId, leaseSeconds] = process.argv.slice(2);
const journal = new JournalClient({ baseUrl, token });
const producer = await journal.createStream(sessionId, { streamId, userMessage: { content: 'go' }, leaseSeconds: Number(leaseSeconds) });
let told = false;
const original = producer.append.bind(producer);
producer.append = async (events) => {
  const answer = await original(events);
  if (!told && answer.lastSeq >= 3) {
    told = true;
    process.stdout.write('appended\n');
  }
  return answer;
};
await pipeUIMessageStream(answerStream(model(tokens(100000), { delayMillis: 20 })), producer);
