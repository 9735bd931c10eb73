// Compiled (never run) by test/unit/types.test.mjs: the declarations describe what the examples use.
import {
  JournalClient, type LiveItem, type Settlement, SessionBusyError, StreamTerminalError, assistantMessage,
} from 'stream-journal-client';

export async function reader(client: JournalClient): Promise<string> {
  let text = '';
  const tail = client.tail('stream-1', {
    after: 0,
    onRestored: (transcript, settlement: Settlement) => { text = transcript.messages[0].content + settlement.outcome; },
    onStale: (current: string) => { void client.tail(current); },
    onError: (error: unknown, partial) => { text = partial?.content ?? String(error); },
  });
  for await (const item of tail as AsyncIterable<LiveItem>) {
    if (item.kind === 'event') text += item.event.seq;
    else if (item.kind === 'settlement') text += assistantMessage(item.settlement)?.content ?? '';
  }
  const end = await tail.done;
  const settled: Settlement = await client.settle('stream-1', { wait: 30 });
  return `${text}${end.reason}${tail.stats.duplicates}${settled.outcome}`;
}

export async function producer(): Promise<number> {
  const client = new JournalClient({ baseUrl: 'https://journal.example.com', token: async ({ refresh }) => (refresh ? 'b' : 'a') });
  try {
    const stream = await client.createStream('session-1', { userMessage: { content: 'hi' }, onActive: 'reject', heartbeatMillis: 5000 });
    await stream.token('Hello');
    await stream.append([{ type: 'tool', data: { name: 'search' } }]);
    const result = await stream.done({ usage: { tokens: 1 } });
    await stream.end();
    return result.lastSeq;
  } catch (error) {
    if (error instanceof SessionBusyError) return error.activeStreamId?.length ?? 0;
    if (error instanceof StreamTerminalError && error.superseded) return -1;
    throw error;
  }
}

export function session(client: JournalClient): void {
  const channel = client.session('session-1', { transport: 'websocket', onStreamStarted: ({ streamId }) => streamId.length });
  channel.close();
}
