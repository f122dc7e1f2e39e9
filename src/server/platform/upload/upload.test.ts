import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { crc32, createDeflateRaw, deflateRawSync, inflateRawSync } from 'node:zlib';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { buildMiniCity, buildUnit, buildUser, sessionHeaders } from '../../../../test/helpers/factories.js';
import { multipartFile } from '../../modules/population/population.test-helpers.js';
import type { AppError } from '../errors.js';
import { checkCsvText } from './csv-shape.js';
import { readXlsxOffThread } from './guard.js';
import { runInWorker } from './worker-pool.js';
import { UPLOAD_LIMITS, uploadLimits } from './limits.js';
import { guardXlsx, inspectZip } from './zip.js';

// ---------------------------------------------------------------------------------------------
// Hostile files, made here

interface ZipPart {
  name: string;
  data: Buffer;
  /** Uncompressed size to declare instead of the real one (a lying directory). */
  declared?: number;
}

/** Deflates `total` bytes made of `unit` repeated, streamed (never holding them all). */
async function deflateRepeated(unit: string, total: number, head = '', tail = ''): Promise<{ data: Buffer; size: number; crc: number }> {
  const d = createDeflateRaw({ level: 9 });
  const out: Buffer[] = [];
  d.on('data', (b: Buffer) => out.push(b));
  const done = new Promise((r) => d.on('end', r));
  const chunk = Buffer.from(unit.repeat(Math.ceil((1 << 20) / unit.length)));
  let crc = crc32(head);
  d.write(head);
  let size = Buffer.byteLength(head);
  while (size + chunk.length < total) {
    d.write(chunk);
    crc = crc32(chunk, crc);
    size += chunk.length;
  }
  d.write(tail);
  crc = crc32(tail, crc);
  size += Buffer.byteLength(tail);
  d.end();
  await done;
  return { data: Buffer.concat(out), size, crc };
}

/** A ZIP of deflated parts (or pre-deflated with their sizes), optionally with bytes hidden between entries. */
function zipOf(parts: (ZipPart | { name: string; deflated: Buffer; size: number; crc: number })[], hidden?: Buffer): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [i, p] of parts.entries()) {
    const name = Buffer.from(p.name);
    const deflated = 'deflated' in p ? p.deflated : deflateRawSync(p.data);
    const size = 'deflated' in p ? p.size : (p.declared ?? p.data.length);
    const crc = 'deflated' in p ? p.crc : crc32(p.data);
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(20, 4);
    lh.writeUInt16LE(8, 8);
    lh.writeUInt16LE(0x21, 12);
    lh.writeUInt32LE(crc, 14);
    lh.writeUInt32LE(deflated.length, 18);
    lh.writeUInt32LE(size, 22);
    lh.writeUInt16LE(name.length, 26);
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(20, 4);
    cd.writeUInt16LE(20, 6);
    cd.writeUInt16LE(8, 10);
    cd.writeUInt16LE(0x21, 14);
    cd.writeUInt32LE(crc, 16);
    cd.writeUInt32LE(deflated.length, 20);
    cd.writeUInt32LE(size, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt32LE(offset, 42);
    central.push(cd, name);
    locals.push(lh, name, deflated);
    offset += lh.length + name.length + deflated.length;
    if (hidden && i === 0) {
      locals.push(hidden);
      offset += hidden.length;
    }
  }
  const cdBuf = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(parts.length, 8);
  end.writeUInt16LE(parts.length, 10);
  end.writeUInt32LE(cdBuf.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cdBuf, end]);
}

/** The parts of a (real, exceljs-written) XLSX. */
async function partsOf(xlsx: Buffer): Promise<ZipPart[]> {
  const entries = await inspectZip(xlsx, UPLOAD_LIMITS);
  const parts: ZipPart[] = [];
  for (const e of entries) {
    const nameLen = xlsx.readUInt16LE(e.localOffset + 26);
    const extraLen = xlsx.readUInt16LE(e.localOffset + 28);
    const start = e.localOffset + 30 + nameLen + extraLen;
    const raw = xlsx.subarray(start, start + e.compressedSize);
    parts.push({ name: e.name, data: e.method === 8 ? inflateRawSync(raw) : Buffer.from(raw) });
  }
  return parts;
}

async function xlsxOf(rows: unknown[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('名单');
  for (const r of rows) ws.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** A 386 KB-class XLSX whose shared strings inflate to 116 MB (the file of the report). */
async function zipBombXlsx(): Promise<Buffer> {
  const real = await partsOf(
    await xlsxOf([
      ['姓名', '身份证号', '小区', '楼栋'],
      ['张三', '420502199003071234', '滨江苑', '1栋'],
    ]),
  );
  const sst = await deflateRepeated(
    '<si><t>AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA</t></si>',
    116 * 1024 * 1024,
    '<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">',
    '</sst>',
  );
  return zipOf(real.map((p) => (/sharedStrings/.test(p.name) ? { name: p.name, deflated: sst.data, size: sst.size, crc: sst.crc } : p)));
}

/** An 8 MB CSV whose header has four million columns. */
const wideHeaderCsv = () => Buffer.from('a,'.repeat(4_000_000) + 'b\r\n1,2\r\n');
/** A CSV whose second row is 5 MB long. */
const longRowCsv = (header = '姓名,身份证号,小区,楼栋') => Buffer.from(`${header}\r\n${'长'.repeat(5 * 1024 * 1024)},1,2,3\r\n`);

const details = (body: string) => (JSON.parse(body) as { error: { code: string; details: Record<string, unknown> } }).error;

// ---------------------------------------------------------------------------------------------
// The guard's checks themselves

describe('upload guard: ZIP structure, CSV shape', () => {
  it('refuses a zip bomb from its central directory, naming the entry, the limit and the ratio found', async () => {
    const bomb = await zipBombXlsx();
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const err = (await guardXlsx(bomb, UPLOAD_LIMITS).catch((e: unknown) => e)) as AppError;
    expect(err.code).toBe('UPLOAD_ZIP_RATIO');
    expect(err.status).toBe(422);
    expect(err.details).toMatchObject({ entry: 'xl/sharedStrings.xml', limit: 100 });
    expect((err.details as { found: number }).found).toBeGreaterThan(100);
  });

  it('caps the shared strings, the parts read whole, the entries and the total, each with the value found', async () => {
    const real = await partsOf(
      await xlsxOf([
        ['a', 'b'],
        ['c', 'd'],
      ]),
    );
    const sst = real.find((p) => /sharedStrings/.test(p.name))!;
    const lenient = { maxRatio: 1e9 };
    const code = async (zip: Buffer, limits = {}) => (await guardXlsx(zip, uploadLimits({ ...lenient, ...limits })).catch((e: unknown) => e)) as AppError;
    let e = await code(zipOf(real), { maxSharedStringsBytes: sst.data.length - 1 });
    expect([e.code, e.details]).toEqual([
      'UPLOAD_SHARED_STRINGS_TOO_LARGE',
      { entry: 'xl/sharedStrings.xml', limit: sst.data.length - 1, found: sst.data.length },
    ]);
    e = await code(zipOf(real), { maxPartBytes: 100 });
    expect(e.code).toBe('UPLOAD_ZIP_PART_TOO_LARGE');
    const many = zipOf([...real, ...Array.from({ length: 1001 }, (_, i) => ({ name: `xl/media/x${i}.bin`, data: Buffer.from('x') }))]);
    e = await code(many);
    expect([e.code, e.status, e.details]).toEqual(['UPLOAD_ZIP_TOO_MANY_ENTRIES', 413, { limit: 1000, found: real.length + 1001 }]);
    const total = real.reduce((n, p) => n + p.data.length, 0);
    e = await code(zipOf(real), { maxUnzippedBytes: total - 1 });
    expect([e.code, e.details]).toEqual(['UPLOAD_UNZIPPED_TOO_LARGE', { limit: total - 1, found: total }]);
    // The real file passes with the default limits.
    await expect(guardXlsx(zipOf(real), UPLOAD_LIMITS)).resolves.toHaveLength(real.length);
  });

  it('refuses an entry that inflates past what its directory declares, and data the directory does not list', async () => {
    const real = await partsOf(await xlsxOf([['a', 'b']]));
    const lying = zipOf(
      real.map((p) => (/sharedStrings/.test(p.name) ? { ...p, data: Buffer.concat([p.data, Buffer.alloc(4 << 20, 0x20)]), declared: p.data.length } : p)),
    );
    const e1 = (await guardXlsx(lying, UPLOAD_LIMITS).catch((e: unknown) => e)) as AppError;
    expect(e1.code).toBe('UPLOAD_ZIP_SIZE_MISMATCH');
    expect((e1.details as { found: number }).found).toBeGreaterThan((e1.details as { limit: number }).limit);
    const hidden = zipOf(real, deflateRawSync(Buffer.alloc(1 << 20)));
    const e2 = (await guardXlsx(hidden, UPLOAD_LIMITS).catch((e: unknown) => e)) as AppError;
    expect([e2.code, (e2.details as { problem: string }).problem]).toEqual(['UPLOAD_ZIP_UNSUPPORTED', 'data outside the directory']);
  });

  it('counts columns and row length without splitting the row, outside quotes only', () => {
    const t0 = Date.now();
    const e = (() => {
      try {
        checkCsvText(wideHeaderCsv().toString(), UPLOAD_LIMITS);
      } catch (err) {
        return err as AppError;
      }
    })()!;
    expect([e.code, e.status, e.details]).toEqual(['UPLOAD_TOO_MANY_COLUMNS', 422, { row: 1, limit: 500, found: 4_000_001 }]);
    expect(Date.now() - t0).toBeLessThan(5_000);
    const limits = uploadLimits({ maxColumns: 3, maxRowChars: 20 });
    expect(() => checkCsvText('a,"b,c,d,e",f\r\n"x\ny,z",1,2\n', limits)).not.toThrow();
    expect(() => checkCsvText('a,b,c\n1,2,3,4\n', limits)).toThrow(
      expect.objectContaining({ code: 'UPLOAD_TOO_MANY_COLUMNS', details: { row: 2, limit: 3, found: 4 } }),
    );
    expect(() => checkCsvText(`a,b\n\n${'x'.repeat(25)},1\n`, limits)).toThrow(
      expect.objectContaining({ code: 'UPLOAD_ROW_TOO_LONG', details: { row: 2, limit: 20, found: 27 } }),
    );
    // Old Mac line ends: one record to a parser that ends records at LF only, and so to its check.
    expect(() => checkCsvText('a,b\r1,2\r3,4\r', limits)).not.toThrow();
    expect(() => checkCsvText('a,b\r1,2\r3,4\r', limits, { crEndsRecord: false })).toThrow(
      expect.objectContaining({ code: 'UPLOAD_TOO_MANY_COLUMNS', details: { row: 1, limit: 3, found: 4 } }),
    );
  });

  it('reads an XLSX off the event loop and refuses a row wider than the limit', async () => {
    const rows: unknown[] = [];
    for await (const r of readXlsxOffThread(
      await xlsxOf([
        ['姓名', '楼栋'],
        ['张三', 7],
      ]),
    ))
      rows.push(r);
    expect(rows).toEqual([
      { row: 1, cells: ['姓名', '楼栋'] },
      { row: 2, cells: ['张三', 7] },
    ]);
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('x');
    ws.getCell(1, 1).value = '姓名';
    ws.getCell(2, 1).value = 'a';
    ws.getCell(2, 600).value = 'far';
    const wide = Buffer.from(await wb.xlsx.writeBuffer());
    const err = await (async () => {
      for await (const _ of readXlsxOffThread(wide));
    })().catch((e: unknown) => e as AppError);
    expect([err?.code, err?.details]).toEqual(['UPLOAD_TOO_MANY_COLUMNS', { row: 2, limit: 500, found: 600 }]);
  });
});

describe('parse workers', () => {
  it('a parse that needs more memory than a worker may use dies in its worker: refused, and the next parse runs', async () => {
    // A parser that never stops allocating (what an unguarded shared-strings cache does).
    const hog = `data:text/javascript,${encodeURIComponent('export function hog() { const keep = []; for (;;) keep.push(new Array(100000).fill(1.5)); }')}`;
    const err = (await runInWorker(hog, 'hog', []).catch((e: unknown) => e)) as AppError;
    expect([err.code, err.status, err.details]).toEqual(['UPLOAD_PARSE_OUT_OF_MEMORY', 413, { limit: UPLOAD_LIMITS.maxWorkerHeapMb, unit: 'MiB' }]);
    const rows: unknown[] = [];
    for await (const r of readXlsxOffThread(await xlsxOf([['a']]))) rows.push(r);
    expect(rows).toEqual([{ row: 1, cells: ['a'] }]);
  });
});

// ---------------------------------------------------------------------------------------------
// Every upload route goes through the guard

describe.each(DIALECTS)('every upload route goes through the guard [%s]', (dialect) => {
  let t: TestApp;
  let h: Record<string, string>;

  beforeAll(async () => {
    // A 16 MiB body limit, as a deployment taking big resident files might set.
    t = await testApp(dialect, { bodyLimit: 16 * 1024 * 1024 });
    const city = await buildMiniCity(t.deps.db);
    const hq = await buildUnit(t.deps.db, { name: '宜昌市疫情防控指挥部', jurisdiction: city.city, kind: 'hq' });
    const user = await buildUser(t.deps.db, { unit: hq, roles: ['admin', 'lab_technician', 'tracer'] });
    h = await sessionHeaders(t.deps.db, user, t.clock.now());
    // Start the parse workers once, so the timings below are the guard's, not a worker's start-up.
    for await (const _ of readXlsxOffThread(await xlsxOf([['a']])));
  });
  afterAll(() => t.close());

  const upload = (url: string, file: Buffer, name: string, type: string) => {
    const m = multipartFile(file, name, type);
    return t.app.inject({ method: 'POST', url, headers: { ...h, ...m.headers }, payload: m.payload });
  };
  const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
  /** The response, and how long it took. */
  const timed = async (p: () => Promise<{ statusCode: number; body: string }>) => {
    const t0 = Date.now();
    const r = await p();
    return { ...r, ms: Date.now() - t0 };
  };

  it('residents (import and dry run): a zip bomb, four million header columns and a 5 MB row are refused quickly, by name', async () => {
    const bomb = await zipBombXlsx();
    for (const url of ['/api/persons/import?dryRun=true', '/api/persons/import', '/api/persons/import/preview']) {
      const r = await timed(() => upload(url, bomb, 'residents.xlsx', XLSX));
      expect([r.statusCode, details(r.body).code], url).toEqual([422, 'UPLOAD_ZIP_RATIO']);
      expect(details(r.body).details).toMatchObject({ entry: 'xl/sharedStrings.xml', limit: 100 });
      expect(r.ms).toBeLessThan(5_000);
    }
    const wide = await timed(() => upload('/api/persons/import?dryRun=true', wideHeaderCsv(), 'residents.csv', 'text/csv'));
    expect([wide.statusCode, details(wide.body).code]).toEqual([422, 'UPLOAD_TOO_MANY_COLUMNS']);
    expect(details(wide.body).details).toMatchObject({ row: 1, limit: 500 });
    // What the person reads names the row, what it has and the limit, Chinese first.
    expect(JSON.parse(wide.body).error.message).toMatch(/^第 1 行有至少 \d+ 列，最多 500 列 \(row 1 has at least \d+ columns; at most 500 are allowed\)$/);
    expect(details(wide.body).details.found as number).toBeGreaterThan(500);
    expect(wide.ms).toBeLessThan(5_000);
    const long = await timed(() => upload('/api/persons/import?dryRun=true', longRowCsv(), 'residents.csv', 'text/csv'));
    expect([long.statusCode, details(long.body).code]).toEqual([422, 'UPLOAD_ROW_TOO_LONG']);
    expect(details(long.body).details).toMatchObject({ row: 2, limit: UPLOAD_LIMITS.maxRowChars });
    expect(long.ms).toBeLessThan(5_000);
    const persons = await t.deps.db
      .selectFrom('persons')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(persons.n)).toBe(0);
  });

  it('staff import: a zip bomb and a too-wide sheet are refused by the guard; a CSV is still "unreadable"', async () => {
    const bomb = await zipBombXlsx();
    const r = await timed(() => upload('/api/users/import', bomb, 'staff.xlsx', XLSX));
    expect([r.statusCode, details(r.body).code]).toEqual([422, 'UPLOAD_ZIP_RATIO']);
    expect(r.ms).toBeLessThan(5_000);
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('users');
    ws.addRow(['用户名', '姓名', '单位', '角色', '初始密码']);
    ws.getCell(2, 1).value = 'x';
    ws.getCell(2, 16384).value = 'far';
    const wide = await upload('/api/users/import', Buffer.from(await wb.xlsx.writeBuffer()), 'staff.xlsx', XLSX);
    expect([wide.statusCode, details(wide.body).code, details(wide.body).details]).toEqual([
      422,
      'UPLOAD_TOO_MANY_COLUMNS',
      { row: 2, limit: 500, found: 16384 },
    ]);
    const csv = await upload('/api/users/import', Buffer.from('用户名,姓名\n'), 'staff.xlsx', XLSX);
    expect(details(csv.body).code).toBe('IMPORT_UNREADABLE');
    const noSheet = zipOf((await partsOf(await xlsxOf([['用户名']]))).filter((p) => !/worksheets\//.test(p.name)));
    const empty = await upload('/api/users/import', noSheet, 'staff.xlsx', XLSX);
    expect([details(empty.body).code, details(empty.body).details]).toEqual(['IMPORT_UNREADABLE', { problem: 'no worksheet' }]);
  });

  it('lab results import: four million header columns and a 5 MB row are refused before parsing', async () => {
    const post = (body: Buffer) =>
      timed(() => t.app.inject({ method: 'POST', url: '/api/testing/lab/results/import', headers: { ...h, 'content-type': 'text/csv' }, payload: body }));
    const wide = await post(wideHeaderCsv());
    expect([wide.statusCode, details(wide.body).code, details(wide.body).details]).toEqual([
      422,
      'UPLOAD_TOO_MANY_COLUMNS',
      { row: 1, limit: 500, found: 4_000_001 },
    ]);
    expect(wide.ms).toBeLessThan(5_000);
    const long = await post(longRowCsv('barcode,result,lab'));
    expect([long.statusCode, details(long.body).code]).toEqual([422, 'UPLOAD_ROW_TOO_LONG']);
    expect(details(long.body).details).toMatchObject({ row: 2, limit: UPLOAD_LIMITS.maxRowChars });
  });

  it('location pings (multipart CSV): four million header columns and a 5 MB line are refused, nothing written', async () => {
    const wide = await timed(() => upload('/api/companions/pings/import', wideHeaderCsv(), 'pings.csv', 'text/csv'));
    expect([wide.statusCode, details(wide.body).code]).toEqual([422, 'UPLOAD_TOO_MANY_COLUMNS']);
    expect(wide.ms).toBeLessThan(5_000);
    const long = await upload('/api/companions/pings/import', longRowCsv('person_id,time,lat,lng'), 'pings.csv', 'text/csv');
    expect([long.statusCode, details(long.body).code]).toEqual([422, 'UPLOAD_ROW_TOO_LONG']);
    const pings = await t.deps.db
      .selectFrom('companion_pings')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(pings.n)).toBe(0);
  });

  it('the server answers /api/health while a large legitimate file parses', async () => {
    // 30,000 resident rows (a legitimate file; the addresses are unknown, so the dry run reports them).
    const lines = ['姓名,身份证号,小区,楼栋'];
    for (let i = 0; i < 30_000; i++) lines.push(`居民${i},42050219900307${String(i % 10_000).padStart(4, '0')},不存在的小区${i % 50},${1 + (i % 20)}栋`);
    const file = Buffer.from(lines.join('\r\n') + '\r\n');
    const events: string[] = [];
    let health: Promise<unknown> | undefined;
    const onParse = (m: unknown) => {
      const { phase } = m as { phase: 'start' | 'end' };
      events.push(`parse ${phase}`);
      // A health request made the moment the parse starts.
      if (phase === 'start' && !health) health = t.app.inject({ method: 'GET', url: '/api/health' }).then((r) => events.push(`health ${r.statusCode}`));
    };
    subscribe('bulwark.upload.parse', onParse);
    try {
      const r = await upload('/api/persons/import?dryRun=true', file, 'residents.csv', 'text/csv');
      expect(r.statusCode).toBe(200);
      expect(JSON.parse(r.body)).toMatchObject({ rows: 30_000, written: false });
      await health;
    } finally {
      unsubscribe('bulwark.upload.parse', onParse);
    }
    expect(events.slice(0, 3)).toEqual(['parse start', 'health 200', 'parse end']);
  });
});
