/**
 * Streams a multipart upload to a private temporary file (mode 0600) so the import can read it
 * twice without holding it in memory, and removes it afterwards whatever happens. The file holds
 * plaintext numbers for the duration of the request only.
 */
import type { FastifyRequest } from 'fastify';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Errors } from '../../platform/errors.js';
import { ImportErrors } from './spreadsheet.js';

/** Runs `fn` with the path and name of the uploaded file (field name free); 413 past `limit` bytes. */
export async function withUpload<T>(req: FastifyRequest, limit: number, fn: (file: string, name: string | null) => Promise<T>): Promise<T> {
  const part = req.isMultipart() ? await req.file({ limits: { fileSize: limit, files: 1 } }) : undefined;
  if (!part) throw ImportErrors.IMPORT_FILE_REQUIRED();
  const dir = await mkdtemp(path.join(tmpdir(), 'bulwark-upload-'));
  const file = path.join(dir, 'upload');
  try {
    try {
      await pipeline(part.file, createWriteStream(file, { mode: 0o600 }));
    } catch (err) {
      if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw Errors.BODY_TOO_LARGE({ limit });
      throw err;
    }
    if (part.file.truncated) throw Errors.BODY_TOO_LARGE({ limit });
    return await fn(file, part.filename ? path.basename(part.filename).slice(0, 200) : null);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
