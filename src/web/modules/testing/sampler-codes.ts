import { BARCODE_PATTERN, type BatchOp } from './api.js';

/**
 * What the sampler's phone makes of a code before anything is queued (issue 16, "The sampler's
 * phone"): from a camera, a hardware scanner (keyboard wedge) or the keyboard. Pure functions, so
 * the rules are tested without a browser.
 */

/** What was read into the person field. */
export type PersonInput =
  /** A resident code (居民码): `key` names the person on this device (the code's token). */
  | { kind: 'code'; value: string; key: string; tail: string }
  /** An ID number typed or scanned from a card. */
  | { kind: 'id'; value: string; key: string; tail: string }
  /** A resident code cut short or damaged (a partial read, a torn print). */
  | { kind: 'unreadable' }
  /** Something that is no resident code or ID number: another app's QR code, a URL, a tube label. */
  | { kind: 'foreign' };

/** Resident code payloads: `BW2.<token>.<expiresAt base36>.<signature base64url>` (BW1: the earlier format). */
const CODE_PREFIX = /^BW[12]\./;
const BW2 = /^BW2\.([A-Za-z0-9_-]{22})\.([0-9a-z]{1,12})\.([A-Za-z0-9_-]{40,})$/;
/** An ID number (resident ID, passport, HK/Macao/Taiwan permit): letters and digits, 5–40. */
const ID_NUMBER = /^[A-Za-z0-9]{5,40}$/;

/** How many characters of a code's token tell two codes apart on screen (random base64url: 64⁶ values). */
const TAIL = 6;

/**
 * Classifies what was read into the person field. `linear`: the camera read it from a 1D barcode
 * (a tube label, a parcel), which is never a person's code, whatever its characters.
 */
export function classifyPersonInput(raw: string, linear = false): PersonInput {
  const v = raw.trim();
  if (!v) return { kind: 'unreadable' };
  if (linear) return { kind: 'foreign' };
  if (CODE_PREFIX.test(v)) {
    if (v.startsWith('BW1.')) return { kind: 'code', value: v, key: `code:${v}`, tail: v.slice(-TAIL) };
    const m = BW2.exec(v);
    if (!m) return { kind: 'unreadable' };
    return { kind: 'code', value: v, key: `code:${m[1]}`, tail: m[1].slice(-TAIL) };
  }
  if (ID_NUMBER.test(v)) {
    const id = v.toUpperCase();
    return { kind: 'id', value: id, key: `id:${id}`, tail: id.slice(-4) };
  }
  return { kind: 'foreign' };
}

/**
 * What a queue row shows for a person before the server names them: a resident code by the tail
 * of its token (every code shares the `BW2.` prefix, so the head tells nothing), an ID number
 * masked like everywhere else (first 6 and last 4).
 */
export function personLabel(input: Extract<PersonInput, { kind: 'code' | 'id' }>): string {
  if (input.kind === 'code') return `…${input.tail}`;
  const v = input.value;
  return v.length > 10 ? `${v.slice(0, 6)}****${v.slice(-4)}` : `****${v.slice(-4)}`;
}

/** The person key of a queued scan (the same key `classifyPersonInput` gives), or null. */
export function personKeyOfOp(op: BatchOp): string | null {
  if (op.op !== 'scan') return null;
  const raw = op.residentCode ?? op.idNumber;
  if (!raw) return null;
  const c = classifyPersonInput(raw);
  return c.kind === 'code' || c.kind === 'id' ? c.key : null;
}

/** Whether a code read into the tube field is a tube barcode (8–20 upper-case letters and digits). */
export function isTubeBarcode(raw: string): boolean {
  return BARCODE_PATTERN.test(raw.trim().toUpperCase());
}

/**
 * The persons this device has put into tubes in one campaign (person key → tube barcode), kept per
 * user in localStorage with the queue, so a second scan of someone already in the tube, or already
 * sampled in this round on this phone, is refused before it reaches the queue. A scan the server
 * rejects leaves the list (the person was not sampled). The server keeps refusing on its own.
 */
export interface SeenScans {
  campaignId: string | null;
  byKey: Record<string, string>;
}

/** At most this many persons are remembered (a long day at a busy site is some 1,500). */
export const SEEN_MAX = 5000;

/** Remembers a person put into `barcode` (a new campaign starts a new list), keeping the newest `max`. */
export function rememberScan(seen: SeenScans, campaignId: string, key: string, barcode: string, max = SEEN_MAX): SeenScans {
  const byKey = seen.campaignId === campaignId ? { ...seen.byKey } : {};
  delete byKey[key];
  byKey[key] = barcode;
  const keys = Object.keys(byKey);
  for (const k of keys.slice(0, Math.max(0, keys.length - max))) delete byKey[k];
  return { campaignId, byKey };
}

/** Forgets a person (the server rejected the scan). */
export function forgetScan(seen: SeenScans, campaignId: string, key: string): SeenScans {
  if (seen.campaignId !== campaignId || !(key in seen.byKey)) return seen;
  const byKey = { ...seen.byKey };
  delete byKey[key];
  return { campaignId, byKey };
}

/** 'tube' when the person is already in this tube, 'round' when in another tube of this round, else null. */
export function seenBefore(seen: SeenScans, campaignId: string, key: string, barcode: string): { where: 'tube' | 'round'; barcode: string } | null {
  if (seen.campaignId !== campaignId) return null;
  const b = seen.byKey[key];
  if (!b) return null;
  return { where: b === barcode ? 'tube' : 'round', barcode: b };
}
