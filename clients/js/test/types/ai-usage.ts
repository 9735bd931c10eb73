// Compiled (never run) by test/unit/types.test.mjs: the AI SDK helpers as docs/clients.md uses them.
import { streamText, type UIMessage } from 'ai';
import { JournalClient } from 'stream-journal-client';
import { journalChatTransport, pipeUIMessageStream, uiStreamResponse, userMessageOf } from 'stream-journal-client/ai';

export async function POST(request: Request, journal: JournalClient, model: Parameters<typeof streamText>[0]['model']): Promise<Response> {
  const { id, messages }: { id: string; messages: UIMessage[] } = await request.json();
  const producer = await journal.createStream(id, { userMessage: userMessageOf(messages[messages.length - 1]), onActive: 'interrupt' });
  const result = streamText({ model, prompt: 'hi', abortSignal: producer.stopSignal });
  void pipeUIMessageStream(result.toUIMessageStream(), producer).finally(() => producer.close());
  return uiStreamResponse(journal, producer.streamId);
}

export async function page(chatId: string): Promise<string | null> {
  const transport = journalChatTransport({ api: '/api/chat', journal: 'https://journal.example.com', token: () => 'token' });
  const messages: UIMessage[] = await transport.loadMessages(chatId);
  await transport.stop();
  return messages.length > 0 ? transport.currentStreamId : null;
}
