/**
 * The upload guard's limits and errors. Every file a person uploads (residents, staff, lab results,
 * location pings) is checked against these before and while it is parsed, off the event loop (see
 * worker-pool.ts), so a small hostile file cannot take the server's memory or time.
 *
 * All numbers here are local parameters (no protocol gives them), chosen from what the platform's
 * own templates and exports look like: the resident template has 17 columns, the staff one 5, the
 * lab one 6; a 250,000-row resident XLSX (the most a 10 MiB upload holds) has about 30 MiB of shared
 * strings and compresses about 8:1.
 */
import { defineErrors } from '../errors.js';

export interface UploadLimits {
  /** ZIP entries an XLSX may hold (Excel writes 10–30). */
  maxEntries: number;
  /** Sum of the entries' uncompressed sizes, bytes. */
  maxUnzippedBytes: number;
  /** Uncompressed ÷ compressed size of one entry, checked for entries larger than `ratioFloorBytes`. */
  maxRatio: number;
  /** Entries smaller than this (uncompressed) are not ratio-checked: a small entry cannot hurt. */
  ratioFloorBytes: number;
  /** xl/sharedStrings.xml uncompressed, bytes: the strings are held in memory while the sheet is read. */
  maxSharedStringsBytes: number;
  /** Any other non-worksheet entry (styles, workbook, relations) uncompressed, bytes: read whole. */
  maxPartBytes: number;
  /** Columns (cells) in one row, header included. */
  maxColumns: number;
  /** Characters in one row (all its cells together). */
  maxRowChars: number;
  /** Heap of a parse worker, MiB: a parse that needs more dies in its worker, not in the server. */
  maxWorkerHeapMb: number;
}

/** The default limits (local parameters; see the file comment). */
export const UPLOAD_LIMITS: Readonly<UploadLimits> = Object.freeze({
  maxEntries: 1000,
  maxUnzippedBytes: 512 * 1024 * 1024,
  maxRatio: 100,
  ratioFloorBytes: 1024 * 1024,
  maxSharedStringsBytes: 64 * 1024 * 1024,
  maxPartBytes: 16 * 1024 * 1024,
  maxColumns: 500,
  maxRowChars: 64 * 1024,
  maxWorkerHeapMb: 512,
});

/** The limits with some overridden (tests, the CLI). */
export function uploadLimits(overrides: Partial<UploadLimits> = {}): UploadLimits {
  return { ...UPLOAD_LIMITS, ...overrides };
}

/**
 * Refusals of the guard. `details` always carries `limit` and `found` (the value the file has), and
 * where it applies the `entry` (ZIP member) or `row` (as a spreadsheet numbers it).
 */
export const UploadErrors = defineErrors({
  UPLOAD_ZIP_TOO_MANY_ENTRIES: [413, '压缩包内文件过多，不是正常的 XLSX (the XLSX archive has too many entries)'],
  UPLOAD_UNZIPPED_TOO_LARGE: [413, '文件解压后过大 (the XLSX is too large once decompressed)'],
  UPLOAD_ZIP_RATIO: [422, '文件压缩比异常，疑为压缩炸弹 (an XLSX entry inflates far more than a spreadsheet does: a zip bomb)'],
  UPLOAD_SHARED_STRINGS_TOO_LARGE: [413, '表格中的文本过多 (the XLSX\'s shared strings are too large)'],
  UPLOAD_ZIP_PART_TOO_LARGE: [413, 'XLSX 中的组成部分过大 (a part of the XLSX is too large)'],
  UPLOAD_ZIP_SIZE_MISMATCH: [422, 'XLSX 文件内容与其目录不符 (an XLSX entry inflates to more than its directory declares)'],
  UPLOAD_ZIP_UNSUPPORTED: [422, 'XLSX 文件结构不受支持（加密、分卷或隐藏数据）(the XLSX archive is encrypted, split, or holds hidden data)'],
  UPLOAD_TOO_MANY_COLUMNS: [422, '表格列数过多 (a row has too many columns)'],
  UPLOAD_ROW_TOO_LONG: [422, '表格中某一行过长 (a row is too long)'],
  UPLOAD_PARSE_OUT_OF_MEMORY: [413, '文件过大或过于复杂，无法读取 (the file needs more memory to read than an upload may use)'],
});

export type UploadErrorCode = Exclude<keyof typeof UploadErrors, 'codes'>;
