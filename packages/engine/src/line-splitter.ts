/**
 * Splits a byte stream into lines (`\n`, `\r\n` or a lone `\r`, which progress bars use). A line longer than
 * `maxLineLength` is emitted in pieces, so an engine that prints megabytes without a newline cannot grow memory
 * without bound.
 */
export class LineSplitter {
  private partial = '';
  private pendingCr = false;
  private readonly decoder = new TextDecoder('utf-8');

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLineLength = 8_192,
  ) {}

  push(chunk: Uint8Array | string): void {
    const text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const char = text[i];
      if (char !== '\n' && char !== '\r') continue;
      if (char === '\n' && this.pendingCr && i === start && this.partial === '') {
        // The `\n` of a `\r\n` whose `\r` ended the previous line.
        this.pendingCr = false;
        start = i + 1;
        continue;
      }
      this.append(text.slice(start, i));
      this.emit();
      this.pendingCr = char === '\r';
      start = i + 1;
    }
    if (start < text.length) {
      this.pendingCr = false;
      this.append(text.slice(start));
    }
  }

  /** Emits what is left after the stream ended without a final newline. */
  end(): void {
    const rest = this.decoder.decode();
    if (rest) this.append(rest);
    if (this.partial !== '') this.emit();
  }

  private append(text: string): void {
    this.partial += text;
    while (this.partial.length > this.maxLineLength) {
      this.onLine(this.partial.slice(0, this.maxLineLength));
      this.partial = this.partial.slice(this.maxLineLength);
    }
  }

  private emit(): void {
    this.onLine(this.partial);
    this.partial = '';
  }
}
