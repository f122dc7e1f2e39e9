import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testEnv, type TestEnv } from '../../../../test/helpers/db.js';
import { buildMiniCity, buildUnit, buildUser, sessionHeaders } from '../../../../test/helpers/factories.js';
import { buildApp, createDeps } from '../../app.js';
import type { Deps } from '../../deps.js';
import { DISCLOSURE_LIMITS } from './population.service.js';
import { addResidents, buildAddress, residentInput } from './population.test-helpers.js';

/**
 * Issue 14: the per-user limit on reveals holds across `serve --workers N`, also when the requests
 * arrive at once: two app instances on one database, concurrent reveals split between them, and
 * exactly the allowance answered.
 */
describe.each(DIALECTS)('disclosure limit across workers [%s]', (dialect) => {
  let dir: string | undefined;
  let env: TestEnv;
  let depsB: Deps;
  let a: FastifyInstance;
  let b: FastifyInstance;
  let officer: Record<string, string>;
  let personId: string;

  beforeAll(async () => {
    dir = dialect === 'sqlite' ? mkdtempSync(path.join(tmpdir(), 'bulwark-disclose-')) : undefined;
    env = await testEnv(dialect, dir ? { db: path.join(dir, 'bulwark.db') } : {});
    depsB = await createDeps(env.config, { clock: env.clock });
    a = await buildApp(env.deps);
    b = await buildApp(depsB);
    const city = await buildMiniCity(env.deps.db);
    const addr = await buildAddress(env, city.street);
    [personId] = await addResidents(env, [residentInput(addr.entrance.id)]);
    const unit = await buildUnit(env.deps.db, { name: '西陵区指挥部', jurisdiction: city.xiling });
    officer = await sessionHeaders(env.deps.db, await buildUser(env.deps.db, { unit, roles: ['district_officer'] }), env.clock.now());
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await depsB?.handle.close();
    await env?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers exactly the allowance of concurrent reveals sent to two workers; the rest get 429', async () => {
    const { max } = DISCLOSURE_LIMITS.reveal;
    const answers = await Promise.all(
      Array.from({ length: max + 10 }, (_, i) =>
        (i % 2 ? a : b).inject({
          method: 'POST',
          url: `/api/persons/${personId}/reveal`,
          headers: officer,
          payload: { field: 'idNumber', reason: '流调电话回访核对' },
        }),
      ),
    );
    const codes = answers.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 200).length).toBe(max);
    expect(codes.filter((c) => c === 429).length).toBe(10);
    const journaled = await env.deps.services.journal.list(env.deps.db, { action: 'population.person.reveal', limit: 100 });
    expect(journaled.length).toBe(max);
  });
});
