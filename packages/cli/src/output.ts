import { stringify } from 'yaml';

export interface Io {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

/** Human-readable tables and YAML by default; one JSON document (or one per line when streaming) with `--json`. */
export class Output {
  constructor(
    private readonly io: Io,
    readonly json: boolean,
  ) {}

  line(text = ''): void {
    this.io.out.write(`${text}\n`);
  }

  warn(text: string): void {
    this.io.err.write(`${text}\n`);
  }

  /** Prints `value` as JSON with `--json`, else calls `human`. */
  result(value: unknown, human: () => void): void {
    if (this.json) this.line(JSON.stringify(value, null, 2));
    else human();
  }

  /** One JSON object per line with `--json` (for streams), else `human`. */
  streamed(value: unknown, human: () => void): void {
    if (this.json) this.line(JSON.stringify(value));
    else human();
  }

  table(headers: readonly string[], rows: readonly (readonly string[])[]): void {
    const widths = headers.map((header, i) =>
      Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)),
    );
    const format = (cells: readonly string[]) =>
      cells
        .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd();
    this.line(format(headers));
    for (const row of rows) this.line(format(row));
  }

  yaml(value: unknown): void {
    this.io.out.write(stringify(value));
  }
}
