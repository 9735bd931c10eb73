// The app's chat endpoint, a route handler (a Request in, a Response out, as in Next.js):
//   export const { POST } = chatRoute({ journal, answer: ({ messages, abortSignal }) =>
//     streamText({ model, messages, abortSignal }).toUIMessageStream() });
// Each turn is a stream of the journal (the session is the chat id); the answer is piped into it, and the
// browser gets the journal's UI stream of that turn, the same bytes a resume replays.
import { convertToModelMessages } from 'ai';
import { pipeUIMessageStream, uiStreamResponse, userMessageOf } from 'stream-journal-client/ai';

export function chatRoute({ journal, answer, waitUntil = () => {} }) {
  return {
    async POST(request) {
      const { id, messages } = await request.json();
      if (messages.at(-1)?.role !== 'user') {
        return new Response('a turn starts with a user message', { status: 400 }); // no continued turns yet
      }
      const producer = await journal.createStream(id, {
        userMessage: userMessageOf(messages.at(-1)),
        onActive: 'interrupt', // a new message supersedes a turn still running
      });
      const uiStream = answer({
        messages: await convertToModelMessages(messages),
        abortSignal: producer.stopSignal, // Stop, or a newer turn, ends the model call
      });
      // keep piping after the response is sent (on serverless: the platform's waitUntil)
      waitUntil(pipeUIMessageStream(uiStream, producer)
        .catch((error) => console.error('answer not saved', error))
        .finally(() => producer.close()));
      return uiStreamResponse(journal, producer.streamId);
    },
  };
}
