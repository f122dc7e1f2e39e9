import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testApp, type TestApp } from '../../../../test/helpers/db.js';
import { buildMiniCity, buildUnit, buildUser, sessionHeaders } from '../../../../test/helpers/factories.js';

/**
 * Sends `chunks` of a body over a real socket, as a client that first sends its whole body and only
 * then reads the answer (many do); resolves with the status, the socket error, or a stall (the
 * server stopped reading the rest of the body, so the upload can never finish and the connection
 * ends in a timeout and a reset).
 */
function send(url: string, headers: Record<string, string | number>, chunks: Buffer[]): Promise<string> {
  const u = new URL(url);
  return new Promise((resolve) => {
    let answer: string | undefined;
    let sent = false;
    const settle = () => answer !== undefined && sent && resolve(answer);
    const stall = setTimeout(() => {
      resolve(`stalled (sent the whole body: ${sent}; answer: ${answer ?? 'none'})`);
      req.destroy();
    }, 8000);
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent: false, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => {
        answer = `${res.statusCode} ${body.includes('BODY_TOO_LARGE') ? 'BODY_TOO_LARGE' : body.slice(0, 80)}`;
        settle();
      });
    });
    req.on('finish', () => {
      sent = true;
      settle();
    });
    req.on('close', () => clearTimeout(stall));
    req.on('error', (e) => resolve(`socket error ${(e as NodeJS.ErrnoException).code}`));
    let i = 0;
    const pump = () => {
      while (i < chunks.length) {
        if (!req.write(chunks[i++])) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

/** Issue 14: an 11 MB body always reaches the client as 413, never as a connection reset. */
describe.each(DIALECTS)('bodies over the limit over a real socket [%s]', (dialect) => {
  let t: TestApp;
  let base: string;
  let officer: Record<string, string>;
  beforeAll(async () => {
    t = await testApp(dialect, { bodyLimit: 10 * 1024 * 1024 });
    const city = await buildMiniCity(t.deps.db);
    const unit = await buildUnit(t.deps.db, { name: '西陵区指挥部', jurisdiction: city.xiling });
    officer = await sessionHeaders(t.deps.db, await buildUser(t.deps.db, { unit, roles: ['district_officer'] }), t.clock.now());
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => t.close());

  const mib = (n: number, fill = 'a') => Array.from({ length: n }, () => Buffer.alloc(1024 * 1024, fill));

  it('an 11 MB JSON body (with a length, and chunked) is answered 413', async () => {
    const withLength = await send(`${base}/api/auth/login`, { 'content-type': 'application/json', 'content-length': 11 * 1024 * 1024 }, mib(11));
    expect(withLength).toBe('413 BODY_TOO_LARGE');
    const chunked = await send(`${base}/api/auth/login`, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, mib(11));
    expect(chunked).toBe('413 BODY_TOO_LARGE');
  });

  it('an 11 MB file in a multipart upload is answered 413 after the part is refused mid-stream', async () => {
    const boundary = 'bulwarkboundary42';
    const head = Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="big.csv"\r\ncontent-type: text/csv\r\n\r\n`);
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    for (let round = 0; round < 3; round++) {
      const r = await send(
        `${base}/api/persons/import/preview`,
        { ...officer, 'content-type': `multipart/form-data; boundary=${boundary}`, 'transfer-encoding': 'chunked' },
        [head, ...mib(11, 'x'), tail],
      );
      expect(r).toBe('413 BODY_TOO_LARGE');
    }
  });
});

describe('a shed request with a body over a real socket [sqlite]', () => {
  let t: TestApp;
  let base: string;
  beforeAll(async () => {
    t = await testApp('sqlite', { maxInFlight: 1 });
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => t.close());

  it('gets its 503 with Retry-After, not a reset', async () => {
    // A slow upload holds the one in-flight slot: its body is never finished.
    const u = new URL(base);
    const slow = http.request({
      host: u.hostname,
      port: u.port,
      path: '/api/auth/login',
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json', 'content-length': 100_000 },
    });
    slow.on('error', () => {});
    slow.write('{"username":"');
    await new Promise((r) => setTimeout(r, 200));
    try {
      const body = Buffer.alloc(900 * 1024, 0x61); // under the body limit: a normal request, shed
      const r = await send(`${base}/api/auth/login`, { 'content-type': 'application/json', 'content-length': body.length }, [body]);
      expect(r).toMatch(/^503 /);
    } finally {
      slow.destroy();
    }
  });
});
