/**
 * The project's one door to exceljs: every workbook read or written goes through here.
 *
 * Reading: the guarded XLSX reader every upload uses: the ZIP is checked first (upload/zip.ts: entries, ratio,
 * shared strings and part sizes, real inflated sizes), then the first worksheet is streamed with
 * exceljs's WorkbookReader. Shared strings are cached — their size was capped by the check, so
 * the cache is too — and each row is refused past the column and row-length limits before anyone
 * turns its cells into text. Meant to run on a parse worker (upload/guard.ts readXlsxOffThread).
 *
 * Writing: `writeWorkbook` builds a small workbook from sheet specs in memory (templates, reports);
 * `streamWorkbook` streams one large sheet as its rows arrive (exports).
 */
import { PassThrough, Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { AppError } from './errors.js';
import { refuse, type UploadLimits } from './upload/limits.js';
import { guardXlsx, type ZipSource } from './upload/zip.js';

/** What a cell holds as exceljs reads it (text, number, date, rich text, formula result…). */
export type XlsxCellValue = ExcelJS.CellValue;

/** The archive holds no worksheet. */
export class NoWorksheetError extends Error {
  // The name crosses from a parse worker with the error (the class does not).
  override name = 'NoWorksheetError';
}

/** One row of the first worksheet: its number as a spreadsheet shows it, its cells from column A. */
export interface XlsxRow {
  row: number;
  cells: ExcelJS.CellValue[];
}

/** The characters a cell value will become (an upper bound for numbers and dates). */
function valueChars(v: ExcelJS.CellValue): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'string') return v.length;
  if (typeof v === 'object' && !(v instanceof Date)) {
    if ('richText' in v && Array.isArray(v.richText)) return v.richText.reduce((n, p) => n + (p.text?.length ?? 0), 0);
    if ('text' in v && typeof v.text === 'string') return v.text.length;
    if ('result' in v) return valueChars(v.result as ExcelJS.CellValue);
  }
  return 24;
}

/**
 * Rows of the first worksheet, streamed, every row checked. Errors of exceljs itself (a damaged
 * archive) are passed on as they are; the caller words them as its own "unreadable file".
 */
export async function* readXlsxRows(src: ZipSource, limits: UploadLimits): AsyncGenerator<XlsxRow> {
  await guardXlsx(src, limits);
  const input = typeof src === 'string' ? src : Readable.from([Buffer.from(src.buffer, src.byteOffset, src.byteLength)]);
  // Styles are read because they are what marks a number cell as a date.
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(input as never, {
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'cache',
    worksheets: 'emit',
    entries: 'emit',
  });
  let sheets = 0;
  for await (const ws of reader) {
    sheets++;
    if (sheets > 1) continue; // drain the others: the reader needs the whole archive read
    for await (const r of ws as AsyncIterable<ExcelJS.Row>) {
      const values = r.values as ExcelJS.CellValue[];
      // values[0] is always empty: exceljs numbers columns from 1.
      const columns = Math.max(0, values.length - 1);
      if (columns > limits.maxColumns) throw refuse('UPLOAD_TOO_MANY_COLUMNS', { row: r.number, limit: limits.maxColumns, found: columns });
      const cells: ExcelJS.CellValue[] = new Array(columns);
      let chars = 0;
      for (let i = 1; i < values.length; i++) {
        const v = values[i] ?? null;
        chars += valueChars(v);
        cells[i - 1] = v;
      }
      if (chars > limits.maxRowChars) throw refuse('UPLOAD_ROW_TOO_LONG', { row: r.number, limit: limits.maxRowChars, found: chars });
      yield { row: r.number, cells };
    }
  }
  if (sheets === 0) throw new NoWorksheetError('zip without a worksheet');
}

/** Whether an error is one of the guard's refusals (to pass on rather than re-word). */
export function isUploadRefusal(err: unknown): err is AppError {
  return err instanceof AppError && err.code.startsWith('UPLOAD_');
}

/** The content type of an .xlsx download. */
export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** One worksheet for `writeWorkbook`. */
export interface SheetSpec {
  name: string;
  rows: readonly (readonly XlsxCellValue[])[];
  /** The first row is a header: bold. */
  header?: boolean;
  /** Keep the first row in view when scrolling. */
  freezeHeader?: boolean;
  /** Column widths in characters, from column A. */
  widths?: readonly number[];
  /** Columns (1-based) formatted as text, so that a long ID typed in is not turned into a number. */
  textColumns?: readonly number[];
}

/** An .xlsx file of the given sheets, in memory (for templates and reports, not for large exports). */
export async function writeWorkbook(sheets: readonly SheetSpec[], o: { creator?: string } = {}): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  if (o.creator) wb.creator = o.creator;
  for (const spec of sheets) {
    const ws = wb.addWorksheet(spec.name);
    for (const r of spec.rows) ws.addRow([...r]);
    if (spec.header) ws.getRow(1).font = { bold: true };
    for (const c of spec.textColumns ?? []) ws.getColumn(c).numFmt = '@';
    spec.widths?.forEach((w, i) => (ws.getColumn(i + 1).width = w));
    if (spec.freezeHeader) ws.views = [{ state: 'frozen', ySplit: 1 }];
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/**
 * One worksheet streamed as its pages of rows arrive, without styles or shared strings, waiting for
 * the reader when it falls behind: memory stays flat for an export of any size. An error of `pages`
 * destroys the stream with it.
 */
export function streamWorkbook(sheetName: string, header: readonly XlsxCellValue[], pages: AsyncIterable<readonly (readonly XlsxCellValue[])[]>): Readable {
  const out = new PassThrough();
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: false, useSharedStrings: false });
  const ws = wb.addWorksheet(sheetName);
  ws.addRow([...header]).commit();
  (async () => {
    for await (const page of pages) {
      for (const cells of page) ws.addRow([...cells]).commit();
      // Let the reader catch up rather than buffering the whole workbook.
      if (out.writableNeedDrain) await new Promise((r) => out.once('drain', r));
    }
    ws.commit();
    await wb.commit();
  })().catch((err) => out.destroy(err as Error));
  return out;
}
