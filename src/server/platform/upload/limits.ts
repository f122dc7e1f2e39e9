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
  UPLOAD_SHARED_STRINGS_TOO_LARGE: [413, "表格中的文本过多 (the XLSX's shared strings are too large)"],
  UPLOAD_ZIP_PART_TOO_LARGE: [413, 'XLSX 中的组成部分过大 (a part of the XLSX is too large)'],
  UPLOAD_ZIP_SIZE_MISMATCH: [422, 'XLSX 文件内容与其目录不符 (an XLSX entry inflates to more than its directory declares)'],
  UPLOAD_ZIP_UNSUPPORTED: [422, 'XLSX 文件结构不受支持（加密、分卷或隐藏数据）(the XLSX archive is encrypted, split, or holds hidden data)'],
  UPLOAD_TOO_MANY_COLUMNS: [422, '表格列数过多 (a row has too many columns)'],
  UPLOAD_ROW_TOO_LONG: [422, '表格中某一行过长 (a row is too long)'],
  UPLOAD_PARSE_OUT_OF_MEMORY: [413, '文件过大或过于复杂，无法读取 (the file needs more memory to read than an upload may use)'],
  UPLOAD_CSV_MALFORMED: [422, 'CSV 文件格式有误 (the CSV file is malformed)'],
});

export type UploadErrorCode = Exclude<keyof typeof UploadErrors, 'codes'>;

const mib = (n: number) => (n / 1024 / 1024).toFixed(n < 10 * 1024 * 1024 ? 1 : 0);

/** The person-facing text of a refusal, with the numbers the file has (Chinese first). */
function refusalText(code: UploadErrorCode, d: Record<string, unknown>): string | undefined {
  const found = Number(d.found);
  const limit = Number(d.limit);
  const more = d.atLeast ? '至少' : '';
  const moreEn = d.atLeast ? 'at least ' : '';
  switch (code) {
    case 'UPLOAD_TOO_MANY_COLUMNS':
      return `第 ${d.row} 行有${more} ${found} 列，最多 ${limit} 列 (row ${d.row} has ${moreEn}${found} columns; at most ${limit} are allowed)`;
    case 'UPLOAD_ROW_TOO_LONG':
      return `第 ${d.row} 行有${more} ${found} 个字符，最多 ${limit} 个 (row ${d.row} has ${moreEn}${found} characters; at most ${limit} are allowed)`;
    case 'UPLOAD_ZIP_RATIO':
      return `文件内容的压缩比为 ${found}:1，超过上限 ${limit}:1，疑为压缩炸弹 (an entry inflates ${found}:1, over the limit of ${limit}:1: a zip bomb)`;
    case 'UPLOAD_ZIP_TOO_MANY_ENTRIES':
      return `压缩包内有 ${found} 个文件，最多 ${limit} 个 (the archive has ${found} entries; at most ${limit} are allowed)`;
    case 'UPLOAD_UNZIPPED_TOO_LARGE':
      return `文件解压后为 ${mib(found)} MB，最多 ${mib(limit)} MB (the file inflates to ${mib(found)} MiB; at most ${mib(limit)} MiB are allowed)`;
    case 'UPLOAD_SHARED_STRINGS_TOO_LARGE':
      return `表格中的文本解压后为 ${mib(found)} MB，最多 ${mib(limit)} MB；请拆分文件 (the shared strings inflate to ${mib(found)} MiB; at most ${mib(limit)} MiB are allowed)`;
    case 'UPLOAD_ZIP_PART_TOO_LARGE':
      return `文件中的组成部分解压后为 ${mib(found)} MB，最多 ${mib(limit)} MB (a part inflates to ${mib(found)} MiB; at most ${mib(limit)} MiB are allowed)`;
    case 'UPLOAD_PARSE_OUT_OF_MEMORY':
      return `读取此文件所需内存超过 ${limit} MB 上限；请拆分文件 (reading the file needs more than the ${limit} MiB an upload may use)`;
    default:
      return undefined;
  }
}

/** Throws-ready refusal: the error of `code` with its details and a message that names the numbers. */
export function refuse(code: UploadErrorCode, details: Record<string, unknown>) {
  return UploadErrors[code](details, refusalText(code, details));
}
