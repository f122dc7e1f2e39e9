/**
 * Checks an XLSX's ZIP structure from its central directory BEFORE any parser sees it: the number
 * of entries, each entry's compression ratio, the shared strings' and other parts' sizes, and the
 * total uncompressed size. Then every entry is inflated once, counting bytes, and refused as soon
 * as it yields more than its directory declared (a directory that lies about sizes is how a zip
 * bomb slips past a check like this one). The entries must also lie end to end exactly as the
 * directory lists them, so a streaming unzipper (exceljs reads local headers in order) can never
 * meet data the directory did not declare.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createInflateRaw } from 'node:zlib';
import { refuse, type UploadLimits } from './limits.js';

/** A file path, or the file's bytes. */
export type ZipSource = string | Uint8Array;

/** One member of the archive as its central directory describes it. */
export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  compressedSize: number;
  uncompressedSize: number;
  localOffset: number;
  /** Where the entry's data starts (set by the layout check). */
  dataStart?: number;
}

const EOCD_SIG = 0x06054b50;
const CD_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
const DESCRIPTOR_SIG = 0x08074b50;

/** Not a ZIP at all: callers map this to their own "unreadable file" error. */
export class NotAZipError extends Error {}

interface Reader {
  size: number;
  read(pos: number, len: number): Promise<Buffer>;
  range(start: number, len: number): Readable;
  close(): Promise<void>;
}

async function reader(src: ZipSource): Promise<Reader> {
  if (typeof src !== 'string') {
    const buf = Buffer.from(src.buffer, src.byteOffset, src.byteLength);
    return {
      size: buf.length,
      read: async (pos, len) => buf.subarray(pos, Math.min(buf.length, pos + len)),
      range: (start, len) => Readable.from([buf.subarray(start, start + len)]),
      close: async () => {},
    };
  }
  const fh = await open(src, 'r');
  const { size } = await fh.stat();
  return {
    size,
    read: async (pos, len) => {
      const b = Buffer.alloc(Math.max(0, Math.min(len, size - pos)));
      if (b.length) await fh.read(b, 0, b.length, pos);
      return b;
    },
    range: (start, len) => (len > 0 ? createReadStream(src, { start, end: start + len - 1 }) : Readable.from([])),
    close: () => fh.close(),
  };
}

const isWorksheet = (name: string) => /^xl\/worksheets\/[^/]+\.xml$/i.test(name);
const isSharedStrings = (name: string) => /^xl\/sharedStrings\.xml$/i.test(name);

/** Reads the central directory and refuses an archive past any limit. Reads no entry's data. */
export async function inspectZip(src: ZipSource, limits: UploadLimits): Promise<ZipEntry[]> {
  const r = await reader(src);
  try {
    return await inspectWith(r, limits);
  } finally {
    await r.close();
  }
}

async function inspectWith(r: Reader, limits: UploadLimits): Promise<ZipEntry[]> {
  const tailLen = Math.min(r.size, 22 + 65535);
  const tail = await r.read(r.size - tailLen, tailLen);
  let at = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD_SIG) {
      at = i;
      break;
    }
  }
  if (at < 0) throw new NotAZipError('no end-of-central-directory record');
  const eocdPos = r.size - tailLen + at;
  const disk = tail.readUInt16LE(at + 4);
  const cdDisk = tail.readUInt16LE(at + 6);
  const count = tail.readUInt16LE(at + 10);
  const cdSize = tail.readUInt32LE(at + 12);
  const cdOffset = tail.readUInt32LE(at + 16);
  if (disk !== 0 || cdDisk !== 0) throw refuse('UPLOAD_ZIP_UNSUPPORTED', { problem: 'split archive' });
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) throw refuse('UPLOAD_ZIP_UNSUPPORTED', { problem: 'ZIP64 archive' });
  if (count > limits.maxEntries) throw refuse('UPLOAD_ZIP_TOO_MANY_ENTRIES', { limit: limits.maxEntries, found: count });
  if (cdOffset + cdSize > eocdPos) throw new NotAZipError('central directory outside the file');
  const cd = await r.read(cdOffset, cdSize);
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== CD_SIG) throw new NotAZipError('damaged central directory');
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    entries.push({
      flags: cd.readUInt16LE(p + 8),
      method: cd.readUInt16LE(p + 10),
      compressedSize: cd.readUInt32LE(p + 20),
      uncompressedSize: cd.readUInt32LE(p + 24),
      localOffset: cd.readUInt32LE(p + 42),
      name: cd.toString('utf8', p + 46, p + 46 + nameLen),
    });
    p += 46 + nameLen + extraLen + commentLen;
  }
  let total = 0;
  for (const e of entries) {
    if (e.flags & 1) throw refuse('UPLOAD_ZIP_UNSUPPORTED', { problem: 'encrypted entry', entry: e.name });
    if (e.method !== 0 && e.method !== 8) throw refuse('UPLOAD_ZIP_UNSUPPORTED', { problem: `compression method ${e.method}`, entry: e.name });
    if (e.uncompressedSize > limits.ratioFloorBytes) {
      const ratio = e.uncompressedSize / Math.max(1, e.compressedSize);
      if (ratio > limits.maxRatio)
        throw refuse('UPLOAD_ZIP_RATIO', {
          entry: e.name,
          limit: limits.maxRatio,
          found: Math.round(ratio),
          compressed: e.compressedSize,
          uncompressed: e.uncompressedSize,
        });
    }
    total += e.uncompressedSize;
  }
  for (const e of entries) {
    if (isSharedStrings(e.name) && e.uncompressedSize > limits.maxSharedStringsBytes) {
      throw refuse('UPLOAD_SHARED_STRINGS_TOO_LARGE', { entry: e.name, limit: limits.maxSharedStringsBytes, found: e.uncompressedSize });
    }
    if (!isSharedStrings(e.name) && !isWorksheet(e.name) && e.uncompressedSize > limits.maxPartBytes) {
      throw refuse('UPLOAD_ZIP_PART_TOO_LARGE', { entry: e.name, limit: limits.maxPartBytes, found: e.uncompressedSize });
    }
  }
  if (total > limits.maxUnzippedBytes) throw refuse('UPLOAD_UNZIPPED_TOO_LARGE', { limit: limits.maxUnzippedBytes, found: total });
  await checkLayout(r, entries, cdOffset);
  return entries;
}

/** The entries must follow one another from byte 0 to the directory, each as the directory says. */
async function checkLayout(r: Reader, entries: ZipEntry[], cdOffset: number): Promise<void> {
  const hidden = (problem: string, entry?: string) => refuse('UPLOAD_ZIP_UNSUPPORTED', { problem, entry });
  let expect = 0;
  for (const e of [...entries].sort((a, b) => a.localOffset - b.localOffset)) {
    if (e.localOffset !== expect) throw hidden('data outside the directory', e.name);
    const h = await r.read(e.localOffset, 30);
    if (h.length < 30 || h.readUInt32LE(0) !== LOCAL_SIG) throw hidden('local header missing', e.name);
    const nameLen = h.readUInt16LE(26);
    const extraLen = h.readUInt16LE(28);
    const name = (await r.read(e.localOffset + 30, nameLen)).toString('utf8');
    if (name !== e.name) throw hidden('local name differs from the directory', e.name);
    let end = e.localOffset + 30 + nameLen + extraLen + e.compressedSize;
    if (e.flags & 8) {
      // A data descriptor follows the data: crc, sizes, with or without its optional signature.
      const d = await r.read(end, 4);
      end += d.length === 4 && d.readUInt32LE(0) === DESCRIPTOR_SIG ? 16 : 12;
    }
    e.dataStart = e.localOffset + 30 + nameLen + extraLen;
    expect = end;
  }
  if (expect !== cdOffset) throw hidden('data outside the directory');
}

/**
 * Inflates every entry once, counting what comes out, and refuses the archive the moment an entry
 * yields more than its directory declared. Memory: one inflate window; time: one pass.
 */
export async function verifyInflatedSizes(src: ZipSource, entries: ZipEntry[]): Promise<void> {
  const r = await reader(src);
  try {
    for (const e of entries) {
      const start = e.dataStart;
      if (start === undefined) throw new Error('verifyInflatedSizes needs the entries inspectZip returned');
      if (e.method === 0) {
        if (e.compressedSize !== e.uncompressedSize)
          throw refuse('UPLOAD_ZIP_SIZE_MISMATCH', { entry: e.name, limit: e.uncompressedSize, found: e.compressedSize });
        continue;
      }
      await new Promise<void>((resolve, reject) => {
        const input = r.range(start, e.compressedSize);
        const inflate = createInflateRaw();
        let out = 0;
        let done = false;
        const finish = (err?: unknown) => {
          if (done) return;
          done = true;
          input.destroy();
          inflate.destroy();
          if (err) reject(err);
          else resolve();
        };
        inflate.on('data', (chunk: Buffer) => {
          out += chunk.length;
          if (out > e.uncompressedSize) finish(refuse('UPLOAD_ZIP_SIZE_MISMATCH', { entry: e.name, limit: e.uncompressedSize, found: out }));
        });
        inflate.on('end', () => finish());
        inflate.on('error', (err) => finish(new NotAZipError(`entry ${e.name} does not inflate: ${err.message}`)));
        input.on('error', (err) => finish(err));
        input.pipe(inflate);
      });
    }
  } finally {
    await r.close();
  }
}

/** Both checks: the directory, then the real sizes. Returns the entries. */
export async function guardXlsx(src: ZipSource, limits: UploadLimits): Promise<ZipEntry[]> {
  const entries = await inspectZip(src, limits);
  await verifyInflatedSizes(src, entries);
  return entries;
}
