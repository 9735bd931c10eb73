// The page: useChat with resume, its resume reading the journal with the reader's bearer token. The
// transcript comes from the journal too, so a reload draws what was said and resumes the answer in place.
import { useChat } from '@ai-sdk/react';
import { useState } from 'react';
import { createRoot } from 'react-dom/client';
import { journalChatTransport } from 'stream-journal-client/ai';

const params = new URLSearchParams(location.search);
const chatId = params.get('chat');
const transport = journalChatTransport({
  api: '/api/chat',
  journal: params.get('journal'),
  token: () => fetch('/token').then((response) => response.text()),
});

function Chat({ initialMessages }) {
  const { messages, sendMessage, status } = useChat({ id: chatId, transport, messages: initialMessages, resume: true });
  const [input, setInput] = useState('');
  const send = (event) => {
    event.preventDefault();
    sendMessage({ text: input });
    setInput('');
  };
  return (
    <main>
      <output id="status">{status}</output>
      {messages.map((message) => (
        <article key={message.id} data-id={message.id} data-role={message.role}>
          {message.parts.filter((part) => part.type === 'text').map((part) => part.text).join('')}
        </article>
      ))}
      <form onSubmit={send}>
        <input id="input" value={input} onChange={(event) => setInput(event.target.value)} />
        <button id="send" type="submit">Send</button>
        {/* Stop asks the producer to stop: every tab sees the answer end with its partial text */}
        <button id="stop" type="button" onClick={() => transport.stop()}>Stop</button>
      </form>
    </main>
  );
}

transport.loadMessages(chatId).then((initialMessages) => {
  createRoot(document.getElementById('root')).render(<Chat initialMessages={initialMessages} />);
});
