import type { TestEnv } from '../../../../test/helpers/db.js';
import type { JurisdictionRef } from '../../../../test/helpers/factories.js';
import { systemActor } from '../../platform/actor.js';
import type { JurisdictionDto, Sex } from '../../../common/geo.js';
import type { PersonInput } from './population.service.js';
import { makeResidentId } from './resident-id.js';

export interface AddressTree {
  community: JurisdictionDto;
  compound: JurisdictionDto;
  building: JurisdictionDto;
  entrance: JurisdictionDto;
}

/**
 * Builds 社区 → 小区 → 1栋 → 1单元 under a street through the geo service (codes extend the street's:
 * community = street[0..9] + `suffix`). Use a different `suffix` (3 digits) per call under one street.
 */
export async function buildAddress(env: TestEnv, street: JurisdictionRef, suffix = '001'): Promise<AddressTree> {
  const geo = env.deps.services.geo;
  const sys = systemActor('test');
  const communityCode = `${street.code.slice(0, 9)}${suffix}`;
  const community = await geo.create(undefined, sys, {
    parentId: street.id,
    code: communityCode,
    name: `测试${suffix}社区`,
    level: 'community',
    kind: 'community',
  });
  const compound = await geo.create(undefined, sys, { parentId: community.id, code: `${communityCode}001`, name: '滨江苑', level: 'compound', kind: 'urban' });
  const building = await geo.create(undefined, sys, {
    parentId: compound.id,
    code: `${communityCode}00101`,
    name: '1栋',
    level: 'building',
    kind: 'apartment',
  });
  const entrance = await geo.create(undefined, sys, { parentId: building.id, code: `${communityCode}001011`, name: '1单元', level: 'entrance' });
  return { community, compound, building, entrance };
}

let serial = 0;

/** A valid resident (GB 11643 ID with region `region`) living at `entranceId`, room 1xx. */
export function residentInput(
  entranceId: string,
  o: { region?: string; sex?: Sex; birthDate?: string; room?: string; phone?: string | null; vulnerable?: PersonInput['vulnerable'] } = {},
): PersonInput {
  const n = ++serial;
  const sex = o.sex ?? (n % 2 ? 'male' : 'female');
  const birthDate = o.birthDate ?? `19${50 + (n % 40)}-0${1 + (n % 9)}-1${n % 10}`;
  return {
    name: `测试居民${n}`,
    idType: 'resident_id',
    idNumber: makeResidentId(o.region ?? '420502', birthDate, n * 7, sex),
    phone: o.phone === undefined ? `139${String(10_000_000 + n).slice(-8)}` : o.phone,
    birthDate,
    sex,
    resident: true,
    address: { jurisdictionId: entranceId, room: o.room ?? `${100 + (n % 50)}` },
    vulnerable: o.vulnerable,
  };
}

/** Registers residents through the population service (system actor) and returns their ids. */
export async function addResidents(env: TestEnv, inputs: PersonInput[]): Promise<string[]> {
  return (await env.deps.services.population.createMany(undefined, systemActor('test'), inputs)).ids;
}

let gbkTable: Map<string, Buffer> | undefined;

/**
 * Encodes text as GB18030/GBK bytes (Node has a GB18030 decoder but no encoder): a reverse table of
 * every two-byte code, built once. Characters outside it are not needed by the tests.
 */
export function encodeGbk(text: string): Buffer {
  if (!gbkTable) {
    gbkTable = new Map();
    const dec = new TextDecoder('gb18030');
    for (let a = 0x81; a <= 0xfe; a++) {
      for (let b = 0x40; b <= 0xfe; b++) {
        if (b === 0x7f) continue;
        const ch = dec.decode(Uint8Array.from([a, b]));
        if (ch.length === 1 && ch !== '\ufffd' && !gbkTable.has(ch)) gbkTable.set(ch, Buffer.from([a, b]));
      }
    }
  }
  const out: Buffer[] = [];
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code < 0x80) out.push(Buffer.from([code]));
    else {
      const b = gbkTable.get(ch);
      if (!b) throw new Error(`No GBK code for ${ch}`);
      out.push(b);
    }
  }
  return Buffer.concat(out);
}

/** A CSV text of rows (fields quoted when needed), CRLF line ends. */
export function csvText(rows: readonly (readonly string[])[]): string {
  return rows.map((r) => r.map((v) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)).join(',')).join('\r\n') + '\r\n';
}

/** A multipart/form-data body with one file field, as a browser's upload sends it. */
export function multipartFile(file: Buffer, filename = 'residents.csv', type = 'text/csv') {
  const boundary = '----bulwarkPopulationBoundary9Zq';
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`);
  return {
    payload: Buffer.concat([head, file, Buffer.from(`\r\n--${boundary}--\r\n`)]),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

/** A real purpose for exact ID/phone searches in tests, URL-encoded (`&purpose=…`). */
export const SEARCH_PURPOSE = `&purpose=${encodeURIComponent('核对登记信息')}`;

/** The stored mask of an 18-character resident ID (see maskIdNumber): first 4, sequence 3, rest hidden. */
export const maskedId = (idNumber: string) => `${idNumber.slice(0, 4)}**********${idNumber.slice(14, 17)}*`;
