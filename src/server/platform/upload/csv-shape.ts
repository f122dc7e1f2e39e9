/**
 * Checks the shape of CSV text — columns per record and characters per record — without building
 * any field, so a file of four million header columns or one endless line is refused after one
 * cheap scan instead of being split into millions of strings. A record that passes a limit is
 * counted on to its end or to the end of the chunk in hand (1 MiB when streamed), so the refusal
 * names the value found (`atLeast` when the record went on past the chunk).
 */
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { refuse, type UploadLimits } from './limits.js';

export interface CsvShapeOptions {
  /**
   * The field delimiter (default comma); `any`: a file whose delimiter is detected later (comma,
   * tab or semicolon) counts the columns each would give and takes the most.
   */
  delimiter?: string;
  /** Whether `"` at the start of a field opens a quoted field (RFC 4180); false for plain files. */
  quotes?: boolean;
  /**
   * Whether a lone CR ends a record (default true). False for a parser that ends records at LF
   * only: the check must see the records the parser will build.
   */
  crEndsRecord?: boolean;
}

/** A streaming checker: feed it text chunks, then call end(). Throws the guard's errors. */
export class CsvShapeChecker {
  private delims: string[];
  private quotes: boolean;
  private crEndsRecord: boolean;
  private inQuotes = false;
  private fieldStart = true;
  private readonly counts = [1, 1, 1];
  private chars = 0;
  private record = 1;
  private prevCr = false;
  /** The last character closed a quoted field (a `"` right after it is an escaped quote). */
  private closed = false;

  constructor(
    private readonly limits: UploadLimits,
    o: CsvShapeOptions = {},
  ) {
    const delimiter = o.delimiter ?? ',';
    this.delims = delimiter === 'any' ? [',', '\t', ';'] : [delimiter];
    this.quotes = o.quotes ?? true;
    this.crEndsRecord = o.crEndsRecord ?? true;
  }

  /** Feeds a chunk; `last`: nothing follows (end() then gives the exact count of an open record). */
  push(text: string, last = false): void {
    const { delims, quotes, counts } = this;
    const one = delims.length === 1 ? delims[0] : null;
    for (let i = 0; i < text.length; i++) {
      const ch = text.charAt(i);
      if (this.inQuotes) {
        // A doubled quote re-enters the quoted field at the next character; either way it counts.
        if (ch === '"') {
          this.inQuotes = false;
          this.closed = true;
        }
        this.chars++;
        continue;
      }
      const closed = this.closed;
      this.closed = false;
      if (ch === '\n' || (ch === '\r' && this.crEndsRecord)) {
        if (!(ch === '\n' && this.prevCr)) this.endRecord();
        this.prevCr = ch === '\r';
        continue;
      }
      this.prevCr = false;
      this.chars++;
      const d = one !== null ? (ch === one ? 0 : -1) : delims.indexOf(ch);
      if (d >= 0) {
        counts[d] = (counts[d] ?? 1) + 1;
        this.fieldStart = true;
      } else if (ch === '"' && quotes && (this.fieldStart || closed)) {
        this.inQuotes = true;
        this.fieldStart = false;
      } else if (ch !== ' ' && ch !== '\t') this.fieldStart = false;
    }
    // A record still open at the end of the chunk that already passed a limit is refused now,
    // before a parser splits the chunk into fields.
    if (!last && (this.columns > this.limits.maxColumns || this.chars > this.limits.maxRowChars)) this.check(true);
  }

  private get columns(): number {
    return Math.max(...this.counts.slice(0, this.delims.length));
  }

  private endRecord(): void {
    this.check();
    if (this.chars > 0 || this.columns > 1) this.record++;
    this.counts.fill(1);
    this.chars = 0;
    this.fieldStart = true;
  }

  private check(open = false): void {
    const more = open ? { atLeast: true } : {};
    if (this.columns > this.limits.maxColumns)
      throw refuse('UPLOAD_TOO_MANY_COLUMNS', { row: this.record, limit: this.limits.maxColumns, found: this.columns, ...more });
    if (this.chars > this.limits.maxRowChars)
      throw refuse('UPLOAD_ROW_TOO_LONG', { row: this.record, limit: this.limits.maxRowChars, found: this.chars, ...more });
  }

  end(): void {
    this.check();
  }
}

/** Checks CSV text in memory. */
export function checkCsvText(text: string, limits: UploadLimits, o: CsvShapeOptions = {}): void {
  const c = new CsvShapeChecker(limits, o);
  c.push(text, true);
  c.end();
}

/** Checks a UTF-8 CSV file, streamed. */
export async function checkCsvFile(path: string, limits: UploadLimits, o: CsvShapeOptions = {}): Promise<void> {
  const c = new CsvShapeChecker(limits, o);
  const decoder = new StringDecoder('utf8');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) c.push(decoder.write(chunk));
  c.push(decoder.end());
  c.end();
}

/**
 * Runs on a parse worker: checks the text's shape, then hands it to the parser a module exports
 * (`module` a file URL, `fn` the export's name), so a module's own CSV rules stay its own.
 */
export async function checkAndParseText(text: string, module: string, fn: string, limits: UploadLimits, o: CsvShapeOptions = {}): Promise<unknown> {
  checkCsvText(text, limits, o);
  const mod = (await import(module)) as Record<string, (t: string) => unknown>;
  if (typeof mod[fn] !== 'function') throw new Error(`${module} exports no function ${fn}`);
  return mod[fn](text);
}
