import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import { parseRole, ROLES, type Role } from '../../common/roles.js';
import { createDeps } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import { inTx } from '../../server/db/dialect.js';
import type { Deps } from '../../server/deps.js';
import { systemActor, type Actor } from '../../server/platform/actor.js';
import { splitRoles } from '../../server/platform/auth/user-import.js';
import type { ImportError } from '../../server/platform/auth/auth.schemas.js';
import { generatePassword } from '../../server/platform/auth/password.js';
import { AppError } from '../../server/platform/errors.js';
import { CliError, EXIT } from '../exit.js';

/**
 * `bulwark user add|disable|reset-password|import|list`: staff accounts from the command line, for
 * the first administrator and for bulk onboarding. Changes are journaled like those made in the web
 * app, with the actor `cli:<os user>`. The `run*` functions do the work and return the lines to print,
 * so tests call them directly.
 */

/** The journal actor for command-line changes: the operating-system account that ran them. */
export function cliActor(): Actor {
  let who = 'unknown';
  try {
    who = userInfo().username;
  } catch {
    // No passwd entry (some containers): keep 'unknown'.
  }
  return systemActor(`cli:${who}`);
}

/** Reads `a,b` or `采样员，流调人员` into roles; unknown names are a usage error. */
export function parseRoleList(text: string): Role[] {
  const names = splitRoles(text);
  const roles = names.map((n) => parseRole(n));
  const unknown = names.filter((_, i) => !roles[i]);
  if (unknown.length || names.length === 0) {
    throw new CliError(`unknown role(s): ${unknown.join(', ') || '(none given)'}; known: ${ROLES.join(', ')}`, EXIT.USAGE);
  }
  return [...new Set(roles as Role[])];
}

/** Turns a service's refusal into a CLI error that names the code and the details. */
function explain(err: unknown): never {
  if (err instanceof AppError) {
    const details = err.details === undefined || err.details === null ? '' : ` ${JSON.stringify(err.details)}`;
    throw new CliError(`${err.code}: ${err.message}${details}`, err.code === 'IMPORT_INVALID' ? EXIT.CHECK_FAILED : EXIT.FAILURE);
  }
  throw err;
}

export interface AddOptions {
  username: string;
  name: string;
  unit: string;
  roles: string;
  password?: string;
}

export async function runUserAdd(deps: Deps, o: AddOptions, actor: Actor = cliActor()): Promise<string[]> {
  const roles = parseRoleList(o.roles);
  const unit = await deps.services.auth.units.lookup(actor, o.unit);
  if (!unit.ok) throw new CliError(`unit: ${unit.reason}`, EXIT.FAILURE);
  const password = o.password ?? generatePassword();
  const user = await deps.services.auth.users
    .create(actor, { username: o.username, displayName: o.name, password, unitId: unit.unit.id, roles })
    .catch(explain);
  const lines = [`created ${user.username} (${user.displayName}) in ${user.unit.name} [${user.jurisdiction.name}] with roles ${user.roles.join(', ')}`];
  if (!o.password) lines.push(`initial password: ${password}`, 'hand it over privately; the user can change it after signing in');
  return lines;
}

async function userByName(deps: Deps, username: string) {
  const u = await deps.services.auth.users.findByUsername(username);
  if (!u) throw new CliError(`no user '${username}'`, EXIT.FAILURE);
  return u;
}

export async function runUserDisable(deps: Deps, username: string, reason: string, actor: Actor = cliActor()): Promise<string[]> {
  const u = await userByName(deps, username);
  const r = await deps.services.auth.users.disable(actor, u.id, reason).catch(explain);
  return [`disabled ${r.username}; their sessions have ended`];
}

export async function runUserResetPassword(
  deps: Deps,
  username: string,
  o: { password?: string; reason: string },
  actor: Actor = cliActor(),
): Promise<string[]> {
  const u = await userByName(deps, username);
  const password = o.password ?? generatePassword();
  await deps.services.auth.users.resetPassword(actor, u.id, password, o.reason).catch(explain);
  const lines = [`password of ${u.username} reset; their sessions have ended`];
  if (!o.password) lines.push(`new password: ${password}`);
  return lines;
}

export async function runUserImport(deps: Deps, file: string, o: { partial?: boolean }, actor: Actor = cliActor()): Promise<string[]> {
  if (!existsSync(file)) throw new CliError(`file not found: ${file}`, EXIT.INPUT);
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`, EXIT.INPUT);
  }
  const { imports } = deps.services.auth;
  const mode = o.partial ? 'partial' : 'all';
  const describeRows = (rows: ImportError[]) => rows.map((e) => `  row ${e.row} ${e.field}: ${e.reason}`);
  try {
    const prepared = await imports.prepare(actor, buf, mode, path.basename(file));
    const result = await inTx(deps.db, (trx) => imports.apply(trx, actor, prepared));
    const lines = [`imported ${result.created} of ${result.rows} rows (${mode})`];
    if (result.failed.length) lines.push('not imported:', ...describeRows(result.failed));
    return lines;
  } catch (err) {
    if (err instanceof AppError && err.code === 'IMPORT_INVALID' && Array.isArray(err.details)) {
      throw new CliError(
        [`${err.message}`, ...describeRows(err.details as ImportError[]), 'fix the rows, or pass --partial to import the good ones'].join('\n'),
        EXIT.CHECK_FAILED,
      );
    }
    return explain(err);
  }
}

export async function runUserList(
  deps: Deps,
  o: { unit?: string; role?: string; all?: boolean; json?: boolean },
  actor: Actor = cliActor(),
): Promise<string[]> {
  let unitId: string | undefined;
  if (o.unit) {
    const unit = await deps.services.auth.units.lookup(actor, o.unit);
    if (!unit.ok) throw new CliError(`unit: ${unit.reason}`, EXIT.FAILURE);
    unitId = unit.unit.id;
  }
  const role = o.role ? parseRoleList(o.role)[0] : undefined;
  const { items, total } = await deps.services.auth.users.list(actor, { unitId, role, active: o.all ? undefined : true, limit: 500 });
  if (o.json) return [JSON.stringify({ items, total }, null, 2)];
  const rows = items.map((u) => [u.username, u.displayName, u.roles.join(','), u.unit.name, u.active ? 'active' : 'disabled']);
  const head = ['username', 'name', 'roles', 'unit', 'status'];
  const width = (i: number) => Math.max(head[i].length, ...rows.map((r) => displayWidth(r[i])));
  const fmt = (r: string[]) =>
    r
      .map((c, i) => c + ' '.repeat(Math.max(0, width(i) - displayWidth(c))))
      .join('  ')
      .trimEnd();
  return [fmt(head), ...rows.map(fmt), `${items.length} of ${total} users`];
}

/** Terminal columns a string takes (CJK characters take two). */
function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(ch) ? 2 : 1;
  return w;
}

/** Opens the configured database, runs `fn`, prints its lines and closes. */
async function withDeps(fn: (deps: Deps) => Promise<string[]>): Promise<void> {
  const deps = await createDeps({ ...loadConfig(), logLevel: 'silent' });
  try {
    for (const line of await fn(deps)) console.log(line);
  } finally {
    await deps.handle.close();
  }
}

export function registerUser(program: Command): void {
  const user = program
    .command('user')
    .description('Staff accounts (用户): add, disable, reset a password, import from .xlsx, list')
    .addHelpText(
      'after',
      `\nRoles: ${ROLES.join(', ')} (Chinese labels such as 采样员 work too).\nExit codes: 0 ok, 1 refused or failed, 2 usage, 3 configuration, 4 import file has bad rows, 5 file missing.`,
    );

  user
    .command('add')
    .description('Create a user in a unit; prints a generated password when --password is not given')
    .requiredOption('--username <username>', 'login name (3–32: a letter, then letters, digits, _ . -)')
    .requiredOption('--name <displayName>', 'name shown to others, e.g. 张三')
    .requiredOption('--unit <unit>', 'unit name or id, e.g. 西陵区疫情防控指挥部')
    .requiredOption('--roles <roles>', 'comma-separated roles, e.g. district_officer,tracer')
    .option('--password <password>', 'initial password (at least 10 characters)')
    .addHelpText('after', '\nExample:\n  bulwark user add --username xiling_admin --name 西陵管理员 --unit 西陵区疫情防控指挥部 --roles admin')
    .action((o: AddOptions) => withDeps((deps) => runUserAdd(deps, o)));

  user
    .command('disable')
    .argument('<username>', 'the user to deactivate')
    .description('Deactivate a user; their sessions end at once')
    .requiredOption('--reason <reason>', 'why (kept in the journal)')
    .action((username: string, o: { reason: string }) => withDeps((deps) => runUserDisable(deps, username, o.reason)));

  user
    .command('reset-password')
    .argument('<username>', 'the user whose password to reset')
    .description('Set a new password (generated and printed unless --password is given); ends their sessions and clears a lock')
    .option('--password <password>', 'the new password (at least 10 characters)')
    .option('--reason <reason>', 'why (kept in the journal)', 'password reset from the command line')
    .action((username: string, o: { password?: string; reason: string }) => withDeps((deps) => runUserResetPassword(deps, username, o)));

  user
    .command('import')
    .argument('<file>', '.xlsx with columns 用户名/username, 姓名/displayName, 单位/unit, 角色/roles, 初始密码/password')
    .description('Import staff from a spreadsheet; by default nothing is written if any row is bad (exit 4, every bad row listed)')
    .option('--partial', 'import the good rows and list the bad ones')
    .action((file: string, o: { partial?: boolean }) => withDeps((deps) => runUserImport(deps, file, o)));

  user
    .command('list')
    .description('List active users (all with --all)')
    .option('--unit <unit>', 'only this unit (name or id)')
    .option('--role <role>', 'only users holding this role')
    .option('--all', 'include deactivated users')
    .option('--json', 'print JSON')
    .action((o: { unit?: string; role?: string; all?: boolean; json?: boolean }) => withDeps((deps) => runUserList(deps, o)));
}
