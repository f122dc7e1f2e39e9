/**
 * The project's one CSV parser: csv-parse (RFC 4180: quoted fields with commas, doubled quotes and line
 * breaks inside, a BOM dropped), with the project's conventions around it. Encodings are decided
 * before (population/spreadsheet.ts detects UTF-16 by its byte-order mark, else UTF-8 or GB18030) and
 * the upload guard checks a file's shape before any field is built (upload/csv-shape.ts); the parser
 * is also capped at the guard's characters per record.
 *
 * Conventions: records may have different lengths; blank or whitespace-only lines are skipped but
 * keep their row number (a spreadsheet program shows them as empty rows, and reports name rows as it
 * shows them: the header is row 1, a quoted line break stays in its record's row); a quote inside an unquoted field is kept as it is; a quote left open at the end of the
 * file is refused (422 UPLOAD_CSV_MALFORMED naming the record it opens) rather than swallowing the
 * rest of the file into one field.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CsvError, parse, type Options } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import { UploadErrors, UPLOAD_LIMITS } from './upload/limits.js';

/** One record and its number as a spreadsheet shows it (blank lines counted, a quoted line break not). */
export interface CsvRecord {
  row: number;
  cells: string[];
}

const BASE: Options = {
  bom: true,
  relax_column_count: true,
  relax_quotes: true,
  max_record_size: UPLOAD_LIMITS.maxRowChars,
};

const blank = (cells: string[]) => cells.length === 1 && (cells[0] ?? '').trim() === '';

/** A parse error as the guard's 422, naming the record it is in (the records before it, plus one). */
function malformed(err: unknown): unknown {
  if (!(err instanceof CsvError)) return err;
  const row = (typeof err.records === 'number' ? err.records : 0) + 1;
  return UploadErrors.UPLOAD_CSV_MALFORMED(
    { row, reason: err.code },
    err.code === 'CSV_QUOTE_NOT_CLOSED'
      ? `第 ${row} 行的引号没有闭合 (a quote opened in row ${row} is never closed)`
      : `第 ${row} 行无法按 CSV 读取 (row ${row} cannot be read as CSV: ${err.code})`,
  );
}

/** The delimiter a header line uses most: comma, tab or semicolon (comma on a tie). */
export function detectDelimiter(head: string): string {
  const count = (d: string) => head.split(d).length - 1;
  return [',', '\t', ';'].reduce((best, d) => (count(d) > count(best) ? d : best), ',');
}

/**
 * CSV text (a string) into records with their row numbers as a spreadsheet shows them, comma-delimited.
 * Records end at LF, CRLF or a lone CR.
 */
export function parseCsvRecords(text: string): CsvRecord[] {
  let rows: string[][];
  try {
    rows = parseSync(text, { ...BASE, delimiter: ',', record_delimiter: ['\r\n', '\n', '\r'] }) as string[][];
  } catch (err) {
    throw malformed(err);
  }
  const out: CsvRecord[] = [];
  rows.forEach((cells, i) => {
    if (!blank(cells)) out.push({ row: i + 1, cells });
  });
  return out;
}

/**
 * CSV text (a string) into rows of fields, comma-delimited. Records end at LF, CRLF or a lone CR.
 */
export function parseCsvText(text: string): string[][] {
  try {
    return (parseSync(text, { ...BASE, delimiter: ',', record_delimiter: ['\r\n', '\n', '\r'] }) as string[][]).filter((r) => !blank(r));
  } catch (err) {
    throw malformed(err);
  }
}

/**
 * CSV records from a stream of text, in constant memory. The delimiter (comma, tab or semicolon) is
 * the one the first line uses most; records end at LF (a CR before it dropped), so a lone CR stays
 * in its field, as the upload guard counts it (`crEndsRecord: false`).
 */
export async function* parseCsvStream(text: AsyncIterable<string>): AsyncGenerator<CsvRecord> {
  const it = text[Symbol.asyncIterator]();
  let head = '';
  let done = false;
  // Read until the first line is whole (or 64 KiB of it) to choose the delimiter.
  while (!done && head.indexOf('\n') < 0 && head.length < 65536) {
    const r = await it.next();
    if (r.done) done = true;
    else head += r.value;
  }
  const nl = head.indexOf('\n');
  const delimiter = detectDelimiter((nl < 0 ? head : head.slice(0, nl)).replace(/^\uFEFF/, ''));
  const parser = parse({ ...BASE, delimiter, record_delimiter: ['\r\n', '\n'] });
  const source = Readable.from(
    (async function* () {
      if (head) yield head;
      if (done) return;
      for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
    })(),
    { objectMode: false },
  );
  // The source's errors (an encoding refused, the guard's limits) reach the loop below through the parser.
  const piping = pipeline(source, parser).catch(() => undefined);
  let row = 0;
  try {
    for await (const cells of parser as AsyncIterable<string[]>) {
      row++;
      if (blank(cells)) continue;
      yield { row, cells };
    }
  } catch (err) {
    throw malformed(err);
  } finally {
    parser.destroy();
    await piping;
  }
}
