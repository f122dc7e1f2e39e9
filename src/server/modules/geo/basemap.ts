import { createReadStream, type ReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { defineErrors } from '../../platform/errors.js';
import type { BasemapInfo } from './geo.schemas.js';

/**
 * The optional base map: one PMTiles v3 file named in configuration (BULWARK_BASEMAP_PMTILES),
 * served by Bulwark itself with HTTP Range so that a government network with no way out still gets
 * streets and water under the jurisdictions. The web reads it through the `pmtiles` package, one
 * range per directory or tile. Spec: https://github.com/protomaps/PMTiles/blob/main/spec/v3/spec.md
 */

export const BasemapErrors = defineErrors({
  BASEMAP_NOT_CONFIGURED: [404, 'No base map is configured (BULWARK_BASEMAP_PMTILES)'],
  BASEMAP_RANGE_NOT_SATISFIABLE: [416, 'The requested byte range is not one range inside the file'],
});

/** Where the web fetches the file (GET, Range). */
export const BASEMAP_URL = '/api/geo/basemap.pmtiles';

/** PMTiles v3 tile types by their header byte (offset 99). */
const TILE_TYPES = ['unknown', 'mvt', 'png', 'jpeg', 'webp', 'avif'] as const;
const HEADER_BYTES = 127;

/** The file's size and a validator that changes when it is replaced. */
export async function basemapFile(file: string): Promise<{ size: number; etag: string; modified: Date }> {
  const st = await stat(file);
  return { size: st.size, etag: `"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`, modified: st.mtime };
}

/** What the web needs to draw the base map, read from the file's fixed 127-byte header. */
export async function readBasemapInfo(file: string): Promise<BasemapInfo> {
  const fh = await open(file, 'r');
  try {
    const h = Buffer.alloc(HEADER_BYTES);
    const { bytesRead } = await fh.read(h, 0, HEADER_BYTES, 0);
    if (bytesRead < HEADER_BYTES || h.subarray(0, 7).toString('latin1') !== 'PMTiles' || h[7] !== 3) {
      throw new Error('the base map is not a PMTiles v3 file');
    }
    const e7 = (at: number) => h.readInt32LE(at) / 1e7;
    const { etag } = await basemapFile(file);
    return {
      url: BASEMAP_URL,
      version: etag.replaceAll('"', ''),
      tileType: TILE_TYPES[h.readUInt8(99)] ?? 'unknown',
      minZoom: h.readUInt8(100),
      maxZoom: h.readUInt8(101),
      bounds: [e7(102), e7(106), e7(110), e7(114)],
    };
  } finally {
    await fh.close();
  }
}

/**
 * The one byte range a `Range` header asks for, inclusive, clipped to the file; `null` for no
 * header (the whole file). A header that is not exactly one satisfiable `bytes=` range is refused
 * (416) rather than answered with the whole file: a base map can be gigabytes, and the only client,
 * the PMTiles reader, always sends one range.
 */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | null {
  if (header === undefined) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) throw BasemapErrors.BASEMAP_RANGE_NOT_SATISFIABLE({ range: header.slice(0, 100), size });
  let start: number;
  let end: number;
  if (m[1] === '') {
    // A suffix: the last n bytes.
    const n = Number(m[2]);
    if (n === 0) throw BasemapErrors.BASEMAP_RANGE_NOT_SATISFIABLE({ range: header, size });
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== '' && Number(m[2]) < start) throw BasemapErrors.BASEMAP_RANGE_NOT_SATISFIABLE({ range: header, size });
  }
  if (start >= size || !Number.isSafeInteger(start) || !Number.isSafeInteger(end)) {
    throw BasemapErrors.BASEMAP_RANGE_NOT_SATISFIABLE({ range: header.slice(0, 100), size });
  }
  return { start, end };
}

/** An answer to a request for the file: status, headers, and the bytes or the error to throw. */
export type BasemapReply = { headers: Record<string, string | number> } & ({ status: 200 | 206; body: ReadStream } | { status: 416; error: Error });

/**
 * The answer to GET /api/geo/basemap.pmtiles: the range asked for (206 with Content-Range), the
 * whole file without a Range header (or with an If-Range naming an older file), or 416 with
 * `Content-Range: bytes *\/size` for a range not inside the file. BASEMAP_NOT_CONFIGURED without a file.
 */
export async function basemapReply(file: string | null, req: { range?: string; ifRange?: string }): Promise<BasemapReply> {
  if (!file) throw BasemapErrors.BASEMAP_NOT_CONFIGURED();
  const { size, etag, modified } = await basemapFile(file);
  const headers: Record<string, string | number> = {
    'accept-ranges': 'bytes',
    etag,
    'last-modified': modified.toUTCString(),
    'cache-control': 'private, max-age=3600',
    'content-type': 'application/vnd.pmtiles',
  };
  // If-Range naming an older file: the range may not fit what is there now, so the whole file.
  const stale = req.ifRange !== undefined && req.ifRange !== etag;
  let range: { start: number; end: number } | null;
  try {
    range = stale ? null : parseRange(req.range, size);
  } catch (error) {
    return { status: 416, headers: { ...headers, 'content-range': `bytes */${size}` }, error: error as Error };
  }
  if (!range) return { status: 200, headers: { ...headers, 'content-length': size }, body: createReadStream(file) };
  return {
    status: 206,
    headers: { ...headers, 'content-range': `bytes ${range.start}-${range.end}/${size}`, 'content-length': range.end - range.start + 1 },
    body: createReadStream(file, { start: range.start, end: range.end }),
  };
}
