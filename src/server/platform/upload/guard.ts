/**
 * THE upload guard's entry points for routes and services (the readers themselves live next to
 * it: zip.ts, csv-shape.ts, and ../xlsx.ts). Everything here runs on a parse worker (worker-pool.ts).
 *
 *   readXlsxOffThread(file)         rows of an XLSX's first sheet (ZIP checked first, rows capped)
 *   parseTextOffThread(text, p)     a module's own CSV parser, after the shape check
 *   checkCsvFileOffThread(file)     the shape check of a CSV on disk (before a streamed import)
 *
 * A module with a new upload calls one of these (or, like population, streams its own reader
 * through streamFromWorker with the guard inside), so every upload meets the same limits.
 */
import type { CsvShapeOptions } from './csv-shape.js';
import { UPLOAD_LIMITS, type UploadLimits } from './limits.js';
import { runInWorker, streamFromWorker } from './worker-pool.js';
import type { XlsxRow } from '../xlsx.js';
import type { ZipSource } from './zip.js';

const CSV_SHAPE = new URL('./csv-shape.ts', import.meta.url).href;
const XLSX = new URL('../xlsx.ts', import.meta.url).href;

/** A parser a module exports: its file URL (`new URL('./x.ts', import.meta.url).href`) and name. */
export interface ParserRef {
  module: string;
  fn: string;
}

/** Rows of the first worksheet of an XLSX (a path or its bytes), read on a parse worker. */
export function readXlsxOffThread(src: ZipSource, limits: UploadLimits = UPLOAD_LIMITS): AsyncGenerator<XlsxRow> {
  return streamFromWorker<XlsxRow>(XLSX, 'readXlsxRows', [src, limits]);
}

/** Checks CSV text's shape, then parses it with `parser`, on a parse worker. */
export function parseTextOffThread<T>(text: string, parser: ParserRef, o: CsvShapeOptions = {}, limits: UploadLimits = UPLOAD_LIMITS): Promise<T> {
  return runInWorker<T>(CSV_SHAPE, 'checkAndParseText', [text, parser.module, parser.fn, limits, o]);
}

/** Checks the shape of a UTF-8 CSV file on a parse worker (one streamed pass; throws the guard's errors). */
export function checkCsvFileOffThread(path: string, o: CsvShapeOptions = {}, limits: UploadLimits = UPLOAD_LIMITS): Promise<void> {
  return runInWorker<void>(CSV_SHAPE, 'checkCsvFile', [path, limits, o]);
}
