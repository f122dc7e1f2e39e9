import ExcelJS from 'exceljs';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, testEnv, type TestEnv } from '../../../../test/helpers/db.js';
import { buildMiniCity, buildUnit, type UnitRef } from '../../../../test/helpers/factories.js';
import { runUserAdd, runUserDisable, runUserImport, runUserList, runUserResetPassword } from '../../../cli/commands/user.js';
import { CliError, EXIT } from '../../../cli/exit.js';
import { verifyPassword } from './password.js';
import { TEMPLATE_HEADERS } from './user-import.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** Runs the real CLI against the test database; resolves with the exit code and output. */
function cli(env: TestEnv, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const c = env.config;
  const childEnv = {
    PATH: process.env.PATH,
    BULWARK_DB: c.db,
    ...(c.pgSchema ? { BULWARK_PG_SCHEMA: c.pgSchema } : {}),
    BULWARK_SESSION_KEY: c.sessionKey.toString('hex'),
    BULWARK_DATA_KEY: c.dataKey.toString('hex'),
    LOG_LEVEL: 'silent',
  };
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'bin/bulwark.js'), ...args], { env: childEnv, cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: number }).code ?? 1) : 0;
      resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
    });
  });
}

async function expectCliError(p: Promise<unknown>, exitCode: number, message: RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(CliError);
  expect((err as CliError).exitCode).toBe(exitCode);
  expect((err as CliError).message).toMatch(message);
}

describe.each(DIALECTS)('bulwark user … [%s]', (dialect) => {
  let env: TestEnv;
  let dir: string;
  let unit: UnitRef;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'bulwark-cli-'));
    env = await testEnv(dialect, dialect === 'sqlite' ? { db: path.join(dir, 'cli.db') } : {});
    const city = await buildMiniCity(env.deps.db);
    unit = await buildUnit(env.deps.db, { name: '西陵区疫情防控指挥部', jurisdiction: city.xiling, kind: 'district_hq' });
    await buildUnit(env.deps.db, { name: '伍家岗区疫情防控指挥部', jurisdiction: city.wujiagang, kind: 'district_hq' });
  });
  afterAll(async () => {
    await env.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('adds a user by unit name with Chinese role labels, printing a generated password that works', async () => {
    const lines = await runUserAdd(env.deps, { username: 'cli_officer', name: '命令行专员', unit: '西陵区疫情防控指挥部', roles: '区级专员，流调人员' });
    expect(lines[0]).toBe('created cli_officer (命令行专员) in 西陵区疫情防控指挥部 [西陵区] with roles district_officer, tracer');
    const password = lines[1].replace('initial password: ', '');
    expect(password).toMatch(/^[A-Za-z2-9]{4}(-[A-Za-z2-9]{4}){3}$/);
    const row = await env.deps.services.auth.users.findByUsername('cli_officer');
    expect(await verifyPassword(row!.password_hash, password)).toBe(true);
    const [entry] = await env.deps.services.journal.list(env.deps.db, { action: 'auth.user.create', entityId: row!.id, limit: 1 });
    expect(entry.actorName).toMatch(/^cli:/);
    expect(JSON.stringify(entry)).not.toContain(password);
  });

  it('refuses unknown roles (usage), unknown units and weak passwords with clear messages', async () => {
    await expectCliError(runUserAdd(env.deps, { username: 'x_user', name: 'x', unit: unit.id, roles: 'king' }), EXIT.USAGE, /unknown role\(s\): king/);
    await expectCliError(runUserAdd(env.deps, { username: 'x_user', name: 'x', unit: '火星指挥部', roles: 'sampler' }), EXIT.FAILURE, /no unit '火星指挥部'/);
    await expectCliError(
      runUserAdd(env.deps, { username: 'x_user', name: 'x', unit: unit.id, roles: 'sampler', password: 'short' }),
      EXIT.FAILURE,
      /PASSWORD_TOO_WEAK/,
    );
    await expectCliError(
      runUserAdd(env.deps, { username: 'cli_officer', name: 'x', unit: unit.id, roles: 'sampler', password: 'long-enough-pass' }),
      EXIT.FAILURE,
      /USERNAME_TAKEN/,
    );
  });

  it('resets a password and disables a user, journaled with the reason', async () => {
    const reset = await runUserResetPassword(env.deps, 'cli_officer', { password: 'a-chosen-passphrase', reason: '遗忘' });
    expect(reset).toEqual(['password of cli_officer reset; their sessions have ended']);
    const row = await env.deps.services.auth.users.findByUsername('cli_officer');
    expect(await verifyPassword(row!.password_hash, 'a-chosen-passphrase')).toBe(true);
    expect(await runUserDisable(env.deps, 'cli_officer', '调离')).toEqual(['disabled cli_officer; their sessions have ended']);
    const actions = (await env.deps.services.journal.list(env.deps.db, { entityId: row!.id, limit: 5 })).map((e) => [e.action, e.reason]);
    expect(actions.slice(0, 2)).toEqual([
      ['auth.user.disable', '调离'],
      ['auth.user.password-reset', '遗忘'],
    ]);
    await expectCliError(runUserDisable(env.deps, 'nobody', 'x'), EXIT.FAILURE, /no user 'nobody'/);
  });

  it('imports a file all-or-nothing (exit 4 listing rows) or partially', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('users');
    ws.addRow(TEMPLATE_HEADERS);
    ws.addRow(['imp_a', '甲', '西陵区疫情防控指挥部', '采样员', 'imp-a-password']);
    ws.addRow(['imp_b', '乙', '西陵区疫情防控指挥部', '队长', 'imp-b-password']);
    const file = path.join(dir, 'staff.xlsx');
    writeFileSync(file, Buffer.from(await wb.xlsx.writeBuffer()));
    await expectCliError(runUserImport(env.deps, file, {}), EXIT.CHECK_FAILED, /row 3 roles: unknown role '队长'/);
    expect(await env.deps.services.auth.users.findByUsername('imp_a')).toBeUndefined();
    expect(await runUserImport(env.deps, file, { partial: true })).toEqual([
      'imported 1 of 2 rows (partial)',
      'not imported:',
      "  row 3 roles: unknown role '队长'",
    ]);
    await expectCliError(runUserImport(env.deps, path.join(dir, 'missing.xlsx'), {}), EXIT.INPUT, /file not found/);
  });

  it('lists active users in a table, or everyone with --all', async () => {
    const active = await runUserList(env.deps, {});
    expect(active[0]).toMatch(/^username\s+name\s+roles\s+unit\s+status$/);
    expect(active.some((l) => l.startsWith('imp_a '))).toBe(true);
    expect(active.some((l) => l.startsWith('cli_officer '))).toBe(false);
    const all = await runUserList(env.deps, { all: true, role: 'district_officer' });
    expect(all.filter((l) => l.startsWith('cli_officer ')).length).toBe(1);
    expect(all.at(-1)).toBe('1 of 1 users');
    expect(
      JSON.parse((await runUserList(env.deps, { json: true, unit: '西陵区疫情防控指挥部' }))[0]).items.map((u: { username: string }) => u.username),
    ).toEqual(['imp_a']);
  });

  it('runs as a real command with help and meaningful exit codes', async () => {
    const help = await cli(env, ['user', 'add', '--help']);
    expect(help.code).toBe(EXIT.OK);
    expect(help.stdout).toMatch(/--username <username>/);
    const add = await cli(env, ['user', 'add', '--username', 'proc_user', '--name', '进程', '--unit', '西陵区疫情防控指挥部', '--roles', 'sampler']);
    expect(add.stderr).toBe('');
    expect(add.code).toBe(EXIT.OK);
    expect(add.stdout).toMatch(/created proc_user .*\ninitial password: \S+/);
    expect(await env.deps.services.auth.users.findByUsername('proc_user')).toBeDefined();
    const badRole = await cli(env, ['user', 'add', '--username', 'p2', '--name', 'x', '--unit', unit.id, '--roles', 'king']);
    expect(badRole.code).toBe(EXIT.USAGE);
    expect(badRole.stderr).toMatch(/unknown role/);
    const missingOpt = await cli(env, ['user', 'disable', 'proc_user']);
    expect(missingOpt.code).toBe(EXIT.USAGE);
    const missingFile = await cli(env, ['user', 'import', path.join(dir, 'nope.xlsx')]);
    expect(missingFile.code).toBe(EXIT.INPUT);
  });
});
