// The chat state useChat keeps in React, as a plain class for AbstractChat: it imports nothing, so that
// tests against either major version of the `ai` package can share it.

/** The chat state useChat keeps in React, as plain fields. */
export class PlainState {
  constructor(messages = []) {
    this.messages = messages;
    this.status = 'ready';
    this.error = undefined;
  }

  pushMessage(message) {
    this.messages = [...this.messages, message];
  }

  popMessage() {
    this.messages = this.messages.slice(0, -1);
  }

  replaceMessage(index, message) {
    const messages = [...this.messages];
    messages[index] = message;
    this.messages = messages;
  }

  snapshot(value) {
    return structuredClone(value);
  }
}
