// Server-sent events, parsed from text chunks as the HTML standard reads them: a blank line ends a
// frame; `data` lines join with "\n"; lines starting with ':' are comments; `retry` is digits only.

/**
 * Feeds text chunks (any split) and calls `onFrame({event, id, data, retry, comments})` for every frame.
 * A frame holding only comments (keep-alive, hints) is passed on too, so hints are not lost.
 */
export class SseParser {
  constructor(onFrame) {
    this.onFrame = onFrame;
    this.buffer = '';
    this.reset();
  }

  reset() {
    this.frame = { event: null, id: null, data: null, retry: null, comments: [] };
    this.fields = 0;
  }

  push(chunk) {
    this.buffer += chunk;
    let start = 0;
    for (;;) {
      const end = lineEnd(this.buffer, start);
      if (end < 0 || (this.buffer[end] === '\r' && end + 1 === this.buffer.length)) {
        break; // no whole line yet, or a '\r' that may be the first half of "\r\n"
      }
      this.line(this.buffer.slice(start, end));
      start = end + (this.buffer[end] === '\r' && this.buffer[end + 1] === '\n' ? 2 : 1);
    }
    this.buffer = this.buffer.slice(start);
  }

  /** The body ended: a '\r' held back as a possible half of "\r\n" ends its line after all. */
  end() {
    if (this.buffer.endsWith('\r')) {
      this.line(this.buffer.slice(0, -1));
    }
    this.buffer = '';
  }

  line(text) {
    if (text === '') {
      if (this.fields > 0) {
        this.onFrame(this.frame);
      }
      this.reset();
      return;
    }
    this.fields++;
    if (text[0] === ':') {
      this.frame.comments.push(text.slice(1).trimStart());
      return;
    }
    const colon = text.indexOf(':');
    const name = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? '' : text.slice(colon + 1);
    if (value[0] === ' ') {
      value = value.slice(1);
    }
    switch (name) {
      case 'event': this.frame.event = value; break;
      case 'id': if (!value.includes('\0')) this.frame.id = value; break;
      case 'data': this.frame.data = this.frame.data === null ? value : this.frame.data + '\n' + value; break;
      case 'retry': if (/^\d+$/.test(value)) this.frame.retry = Number(value); break;
      default: break;
    }
  }
}

function lineEnd(text, from) {
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '\n' || c === '\r') {
      return i;
    }
  }
  return -1;
}
