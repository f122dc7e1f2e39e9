import { describe, expect, it } from 'vitest';
import { classifyPersonInput, forgetScan, personKeyOfOp, personLabel, rememberScan, seenBefore, SEEN_MAX, type SeenScans } from './sampler-codes.js';

const SIG = 'x'.repeat(86);
const code = (token: string) => `BW2.${token}.mh3k2k1.${SIG}`;
const A = code('AAAAAAAAAAAAAAAAabc123');
const B = code('AAAAAAAAAAAAAAAAxyz789');

describe("the sampler's phone: what a read code is, before anything is queued", () => {
  it('tells resident codes apart by their token, and shows the tail rather than the shared prefix', () => {
    const a = classifyPersonInput(A);
    const b = classifyPersonInput(` ${B}\n`);
    expect(a).toMatchObject({ kind: 'code', value: A });
    expect(b).toMatchObject({ kind: 'code', value: B });
    if (a.kind !== 'code' || b.kind !== 'code') throw new Error('codes');
    expect(a.key).not.toBe(b.key);
    // Two codes with the same 16 first token characters still read differently on screen.
    expect([personLabel(a), personLabel(b)]).toEqual(['…abc123', '…xyz789']);
    expect(personLabel(a)).not.toContain('BW2');
  });

  it('masks an ID number as everywhere else and keys it case-insensitively', () => {
    const id = classifyPersonInput('42050219710506506x');
    expect(id).toMatchObject({ kind: 'id', value: '42050219710506506X', key: 'id:42050219710506506X' });
    if (id.kind !== 'id') throw new Error('id');
    expect(personLabel(id)).toBe('420502****506X');
    expect(classifyPersonInput('42050219710506506X')).toMatchObject({ key: id.key });
  });

  it('calls a cut-short resident code unreadable and anything else foreign', () => {
    expect(classifyPersonInput(A.slice(0, 40))).toEqual({ kind: 'unreadable' });
    expect(classifyPersonInput('BW2.')).toEqual({ kind: 'unreadable' });
    expect(classifyPersonInput('   ')).toEqual({ kind: 'unreadable' });
    expect(classifyPersonInput('https://weixin.qq.com/r/abc')).toEqual({ kind: 'foreign' });
    expect(classifyPersonInput('健康码:绿码')).toEqual({ kind: 'foreign' });
    // A tube label read by the camera looks like a passport number, but a 1D barcode is never a person.
    expect(classifyPersonInput('E2ECAM00001', true)).toEqual({ kind: 'foreign' });
    expect(classifyPersonInput('E2ECAM00001')).toMatchObject({ kind: 'id' });
  });

  it('finds the person key of a queued scan as the classifier does', () => {
    const a = classifyPersonInput(A);
    expect(personKeyOfOp({ op: 'scan', clientId: 'c-00000001', residentCode: A })).toBe(a.kind === 'code' ? a.key : null);
    expect(personKeyOfOp({ op: 'scan', clientId: 'c-00000002', idNumber: 'h1234567' })).toBe('id:H1234567');
    expect(personKeyOfOp({ op: 'close', clientId: 'c-00000003', barcode: 'TUBE0001' })).toBeNull();
  });
});

describe("the sampler's phone: a person already in the tube or sampled this round is refused on the device", () => {
  const empty: SeenScans = { campaignId: null, byKey: {} };

  it('refuses the same person in the same tube and in another tube of the round, not in another round', () => {
    let seen = rememberScan(empty, 'round-1', 'id:H1', 'TUBE0001');
    expect(seenBefore(seen, 'round-1', 'id:H1', 'TUBE0001')).toEqual({ where: 'tube', barcode: 'TUBE0001' });
    expect(seenBefore(seen, 'round-1', 'id:H1', 'TUBE0002')).toEqual({ where: 'round', barcode: 'TUBE0001' });
    expect(seenBefore(seen, 'round-1', 'id:H2', 'TUBE0001')).toBeNull();
    expect(seenBefore(seen, 'round-2', 'id:H1', 'TUBE0001')).toBeNull();
    // A new round starts a new list.
    seen = rememberScan(seen, 'round-2', 'id:H2', 'TUBE0009');
    expect(seenBefore(seen, 'round-1', 'id:H1', 'TUBE0001')).toBeNull();
    expect(seenBefore(seen, 'round-2', 'id:H2', 'TUBE0009')).toMatchObject({ where: 'tube' });
  });

  it('forgets a person the server refused, so they can be sampled after all', () => {
    const seen = forgetScan(rememberScan(empty, 'round-1', 'id:H1', 'TUBE0001'), 'round-1', 'id:H1');
    expect(seenBefore(seen, 'round-1', 'id:H1', 'TUBE0001')).toBeNull();
  });

  it('keeps the newest persons up to its cap (5,000 on a phone)', () => {
    expect(SEEN_MAX).toBe(5000);
    let seen = empty;
    for (let i = 0; i < 5; i++) seen = rememberScan(seen, 'r', `id:P${i}`, 'T0000001', 3);
    expect(Object.keys(seen.byKey)).toEqual(['id:P2', 'id:P3', 'id:P4']);
  });
});
