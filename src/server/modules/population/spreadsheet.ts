/**
 * Reading resident lists from disk, streamed, in constant memory: what a file is (CSV or XLSX, or
 * neither), which encoding a CSV uses, and its rows one at a time.
 *
 * Encoding (CSV): a file whose every line is valid UTF-8 (with or without BOM) is UTF-8; a file
 * with non-UTF-8 lines and no UTF-8 multi-byte line is GB18030 (a superset of GBK and GB2312, what
 * Excel on a Chinese Windows saves as "CSV"). A file with both — some lines UTF-8 Chinese, others
 * GBK — is refused as mixed: decoding it either way would corrupt names. The check runs per line,
 * which is safe because 0x0A never occurs inside a GBK/GB18030 character. A file starting with a
 * UTF-16 byte-order mark (Excel's "Unicode text", some WPS exports) is UTF-16 LE or BE as the mark
 * says, decoded strictly.
 *
 * Rows are read on a parse worker through the upload guard (platform/upload): an XLSX's ZIP is
 * checked before parsing, and no row past the column or row-length limits is ever split into
 * cells, so a hostile file is refused quickly and a large one never stalls the server.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { utcDay } from '../../platform/clock.js';
import { parseCsvStream } from '../../platform/csv.js';
import { defineErrors } from '../../platform/errors.js';
import { CsvShapeChecker } from '../../platform/upload/csv-shape.js';
import { UPLOAD_LIMITS, type UploadLimits } from '../../platform/upload/limits.js';
import { runInWorker, streamFromWorker } from '../../platform/upload/worker-pool.js';
import { isUploadRefusal, NoWorksheetError, readXlsxRows, type XlsxCellValue } from '../../platform/xlsx.js';

export const ImportErrors = defineErrors({
  IMPORT_FILE_REQUIRED: [400, '请上传文件 (send multipart/form-data with one file field)'],
  IMPORT_EMPTY: [422, '文件为空 (the file is empty)'],
  IMPORT_NOT_SPREADSHEET: [422, '不是 CSV 或 XLSX 表格文件 (the file is not a CSV or XLSX spreadsheet)'],
  IMPORT_XLSX_CORRUPT: [422, 'XLSX 文件损坏或不完整 (the XLSX file is truncated or corrupt)'],
  IMPORT_ENCODING_MIXED: [422, '文件混用了 UTF-8 和 GBK 两种编码 (the file mixes UTF-8 and GBK/GB18030 lines); 请统一另存为一种编码'],
  IMPORT_ENCODING_INVALID: [422, '文件不是所指定的编码 (the file is not in the encoding given)'],
  IMPORT_NO_COLUMNS: [422, '表头中没有可识别的列 (no column of the header row is recognised); 请使用模板的表头，如 姓名、身份证号、小区、楼栋'],
  IMPORT_COLUMNS_MISSING: [422, '缺少必需的列 (required columns are missing)'],
  IMPORT_INVALID: [422, '导入文件有错误行，未导入任何数据 (some rows are invalid; nothing was imported)'],
});

export type FileFormat = 'csv' | 'xlsx';
export type TextEncoding = 'utf8' | 'gb18030' | 'utf16le' | 'utf16be';

/** The encoding a UTF-16 byte-order mark at the start of `head` names, if any. */
function utf16ByBom(head: Buffer): 'utf16le' | 'utf16be' | undefined {
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf16be';
  return undefined;
}

/** One data row: its number as a spreadsheet shows it (the header is row 1) and its cell texts. */
export interface SheetRow {
  row: number;
  cells: string[];
}

const MAGIC: [string, Buffer][] = [
  ['xls', Buffer.from([0xd0, 0xcf, 0x11, 0xe0])],
  ['pdf', Buffer.from('%PDF')],
  ['png', Buffer.from([0x89, 0x50, 0x4e, 0x47])],
  ['jpeg', Buffer.from([0xff, 0xd8, 0xff])],
  ['gif', Buffer.from('GIF8')],
  ['gzip', Buffer.from([0x1f, 0x8b])],
  ['7z', Buffer.from([0x37, 0x7a, 0xbc, 0xaf])],
  ['rar', Buffer.from('Rar!')],
  ['exe', Buffer.from('MZ')],
];

/**
 * Tells what a file is from its first bytes: an XLSX (a ZIP with an end-of-central-directory
 * record: a truncated download has none), or text that could be a CSV. Anything else — an old .xls,
 * a PDF, an image, binary data — is IMPORT_NOT_SPREADSHEET; an empty file IMPORT_EMPTY.
 */
export async function sniffFile(path: string): Promise<{ format: FileFormat; size: number }> {
  const { size } = await stat(path);
  if (size === 0) throw ImportErrors.IMPORT_EMPTY();
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(Math.min(size, 65536));
    await fh.read(head, 0, head.length, 0);
    if (head.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) {
      // The end-of-central-directory record sits in the last 22 + 65535 bytes of every complete ZIP.
      const tailLen = Math.min(size, 65557);
      const tail = Buffer.alloc(tailLen);
      await fh.read(tail, 0, tailLen, size - tailLen);
      if (tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06])) < 0)
        throw ImportErrors.IMPORT_XLSX_CORRUPT({ problem: 'truncated: the end of the ZIP archive is missing' });
      return { format: 'xlsx', size };
    }
    for (const [kind, magic] of MAGIC) {
      if (head.subarray(0, magic.length).equals(magic)) {
        throw ImportErrors.IMPORT_NOT_SPREADSHEET(
          { detected: kind },
          kind === 'xls' ? '旧版 .xls 文件不支持，请另存为 .xlsx 或 CSV (old .xls files are not supported; save as .xlsx or CSV)' : undefined,
        );
      }
    }
    // UTF-16 text (with its byte-order mark) is full of NUL bytes: a CSV all the same.
    if (utf16ByBom(head)) return { format: 'csv', size };
    // Text has no NUL bytes and few control characters besides tab, CR and LF.
    let control = 0;
    for (const b of head) {
      if (b === 0) throw ImportErrors.IMPORT_NOT_SPREADSHEET({ detected: 'binary' });
      if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) control++;
    }
    if (control > head.length / 100) throw ImportErrors.IMPORT_NOT_SPREADSHEET({ detected: 'binary' });
    return { format: 'csv', size };
  } finally {
    await fh.close();
  }
}

/** Scans a text file line by line and tells its encoding, or throws IMPORT_ENCODING_MIXED (on a parse worker). */
export function detectEncoding(path: string): Promise<TextEncoding> {
  return runInWorker<TextEncoding>(import.meta.url, 'detectEncodingHere', [path]);
}

/** detectEncoding on THIS thread (the parse worker runs it, by name). @public */
export async function detectEncodingHere(path: string): Promise<TextEncoding> {
  const fh = await open(path, 'r');
  const bom = Buffer.alloc(2);
  try {
    await fh.read(bom, 0, 2, 0);
  } finally {
    await fh.close();
  }
  const utf16 = utf16ByBom(bom);
  if (utf16) return utf16;
  let utf8Line = 0;
  let gbLine = 0;
  let line = 1;
  let carry: Buffer | null = null;
  const look = (buf: Buffer) => {
    if (isAscii(buf)) return;
    if (isUtf8(buf)) utf8Line ||= line;
    else gbLine ||= line;
  };
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) break;
      const part = chunk.subarray(start, nl);
      look(carry ? Buffer.concat([carry, part]) : part);
      carry = null;
      line++;
      start = nl + 1;
    }
    const rest = chunk.subarray(start);
    carry = carry ? Buffer.concat([carry, rest]) : Buffer.from(rest);
    if (utf8Line && gbLine) break;
  }
  if (carry && carry.length) look(carry);
  if (utf8Line && gbLine) {
    throw ImportErrors.IMPORT_ENCODING_MIXED(
      { utf8Line, gb18030Line: gbLine },
      `文件混用了编码：第 ${utf8Line} 行是 UTF-8，第 ${gbLine} 行是 GBK/GB18030 (mixed encodings: line ${utf8Line} is UTF-8, line ${gbLine} is GBK/GB18030); 请统一另存为一种编码`,
    );
  }
  return gbLine ? 'gb18030' : 'utf8';
}

/** Decodes a file as text, streamed. UTF-8 is decoded strictly (an invalid byte is an error). */
async function* decodeFile(path: string, encoding: TextEncoding): AsyncGenerator<string> {
  const decoder =
    encoding === 'gb18030'
      ? new TextDecoder('gb18030')
      : new TextDecoder(encoding === 'utf8' ? 'utf-8' : encoding === 'utf16le' ? 'utf-16le' : 'utf-16be', { fatal: true });
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
      const text = decoder.decode(chunk, { stream: true });
      if (text) yield text;
    }
    const last = decoder.decode();
    if (last) yield last;
  } catch (err) {
    if (err instanceof TypeError) throw ImportErrors.IMPORT_ENCODING_INVALID({ encoding });
    throw err;
  }
}

/**
 * CSV records from a stream of text, in constant memory: the project's one CSV parser
 * (platform/csv.ts, csv-parse) with the delimiter the first line uses most. Blank lines are skipped;
 * `row` counts records as a spreadsheet would show them.
 */
export function parseCsv(text: AsyncIterable<string>): AsyncGenerator<SheetRow> {
  return parseCsvStream(text);
}

/** Text of an XLSX cell whatever exceljs made of it (rich text, hyperlink, formula result, date). */
export function cellText(v: XlsxCellValue): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') {
    // An 18-digit ID typed as a number has lost its last digits (doubles hold 15–17): keep the
    // visible form so the check-digit rule rejects it instead of importing a wrong number.
    return Number.isInteger(v) && Math.abs(v) < 1e21 ? BigInt(v).toString() : String(v);
  }
  if (typeof v === 'boolean') return String(v);
  if (v instanceof Date) return utcDay(v);
  if (typeof v === 'object') {
    if ('richText' in v && Array.isArray(v.richText)) return v.richText.map((p) => p.text).join('');
    if ('text' in v && typeof v.text === 'string') return v.text;
    if ('result' in v) return cellText(v.result as XlsxCellValue);
    if ('error' in v) return '';
  }
  return String(v);
}

/** Rows of the first worksheet of an XLSX file, streamed, through the upload guard. */
async function* readXlsx(path: string, limits: UploadLimits): AsyncGenerator<SheetRow> {
  try {
    for await (const r of readXlsxRows(path, limits)) {
      const cells = r.cells.map(cellText);
      if (cells.some((c) => c.trim() !== '')) yield { row: r.row, cells };
    }
  } catch (err) {
    if (isUploadRefusal(err) || (err as { code?: string }).code?.startsWith?.('IMPORT_')) throw err;
    if (err instanceof NoWorksheetError) throw ImportErrors.IMPORT_NOT_SPREADSHEET({ detected: 'zip without a worksheet' });
    throw ImportErrors.IMPORT_XLSX_CORRUPT({ problem: (err as Error).message?.slice(0, 200) ?? 'unreadable' });
  }
}

/** Text chunks passed on once the guard has seen them (it refuses a chunk before any parser does). */
async function* shapeChecked(text: AsyncIterable<string>, limits: UploadLimits): AsyncGenerator<string> {
  // parseCsv ends records at LF only (a CR before it is dropped), so the check counts the same way.
  const checker = new CsvShapeChecker(limits, { delimiter: 'any', crEndsRecord: false });
  for await (const chunk of text) {
    checker.push(chunk);
    yield chunk;
  }
  checker.end();
}

/**
 * Every non-blank row of a file, header included, streamed, on THIS thread (the parse worker runs
 * it; servers call readRows).
 *
 * @public Called by name in an upload worker thread (streamFromWorker).
 */
export function readRowsHere(path: string, format: FileFormat, encoding: TextEncoding, limits: UploadLimits = UPLOAD_LIMITS): AsyncGenerator<SheetRow> {
  return format === 'xlsx' ? readXlsx(path, limits) : parseCsv(shapeChecked(decodeFile(path, encoding), limits));
}

/** Every non-blank row of a file, header included, streamed from a parse worker (off the event loop). */
export function readRows(path: string, format: FileFormat, encoding: TextEncoding): AsyncGenerator<SheetRow> {
  return streamFromWorker<SheetRow>(import.meta.url, 'readRowsHere', [path, format, encoding]);
}
