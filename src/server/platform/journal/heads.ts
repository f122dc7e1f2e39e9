import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { jcs } from './jcs.js';

/**
 * Signed journal heads: the chain's anchor outside the database.
 *
 * A head is { seq, hash, signedAt, keyId } — the chain's last sequence number and hash at the time
 * of signing, the wall-clock time and the signing key's id. The signature is Ed25519 over the UTF-8
 * bytes of the head's JCS (RFC 8785) JSON. The private key never enters the database, so anyone who
 * can write the database but not the key cannot make an edited and rehashed chain agree with the
 * heads signed before the edit.
 */
export interface SignedHead {
  seq: number;
  /** The chain hash of entry `seq`. */
  hash: string;
  /** Wall-clock epoch ms. */
  signedAt: number;
  /** First 16 hex characters of SHA-256 over the raw 32-byte public key. */
  keyId: string;
  /** Base64 Ed25519 signature. */
  signature: string;
}

/** One line of the heads file, as published. */
export const signedHeadSchema = z.strictObject({
  seq: z.number().int().min(1),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  signedAt: z.number().int(),
  keyId: z.string().regex(/^[0-9a-f]{16}$/),
  signature: z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/),
});

export interface HeadSigner {
  keyId: string;
  /** Raw 32-byte public key, base64 (what an auditor pins). */
  publicKey: string;
  sign(head: Omit<SignedHead, 'signature' | 'keyId'>): SignedHead;
  /** Whether the signature holds for this key. */
  check(head: SignedHead): boolean;
}

/** The bytes a head's signature covers. */
export function signedBytes(h: Pick<SignedHead, 'seq' | 'hash' | 'signedAt' | 'keyId'>): Buffer {
  return Buffer.from(jcs({ seq: h.seq, hash: h.hash, signedAt: h.signedAt, keyId: h.keyId }), 'utf8');
}

/** A signer from an Ed25519 private key in PKCS#8 DER. */
export function createHeadSigner(pkcs8: Buffer): HeadSigner {
  const priv: KeyObject = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  const pub = createPublicKey(priv);
  const raw = pub.export({ format: 'der', type: 'spki' }).subarray(-32);
  const keyId = createHash('sha256').update(raw).digest('hex').slice(0, 16);
  return {
    keyId,
    publicKey: raw.toString('base64'),
    sign(h) {
      const head = { seq: h.seq, hash: h.hash, signedAt: h.signedAt, keyId };
      return { ...head, signature: sign(null, signedBytes(head), priv).toString('base64') };
    },
    check(h) {
      if (h.keyId !== keyId) return false;
      try {
        return verify(null, signedBytes(h), pub, Buffer.from(h.signature, 'base64'));
      } catch {
        return false;
      }
    },
  };
}

/** Appends one head to the file (one JCS line; O_APPEND, so processes do not interleave lines). */
export function appendHeadFile(file: string, h: SignedHead): void {
  appendFileSync(file, jcs(h) + '\n', { mode: 0o600 });
}

/** Every head in the file; lines that are not a head are reported by line number. */
export function readHeadFile(file: string): { heads: SignedHead[]; badLines: number[] } {
  if (!existsSync(file)) return { heads: [], badLines: [] };
  const heads: SignedHead[] = [];
  const badLines: number[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        heads.push(signedHeadSchema.parse(JSON.parse(line)));
      } catch {
        badLines.push(i + 1);
      }
    });
  return { heads, badLines };
}
