import type { Deps } from '../../deps.js';
import type { DbOrTx, Tx } from '../../db/dialect.js';
import { parseRole, ROLE_LABELS, ROLES, type Role } from '../../../common/roles.js';
import type { Actor } from '../actor.js';
import { AuthErrors } from './auth.errors.js';
import * as repo from './auth.repository.js';
import type { ImportError, ImportResult } from './auth.schemas.js';
import { hashPassword, passwordProblem, PASSWORD_MIN } from './password.js';
import type { UnitAdmin } from './units.service.js';
import { mayGrant, normaliseUsername, usernameProblem, type UserAdmin } from './users.service.js';
import { readXlsxOffThread } from '../upload/guard.js';
import { isUploadRefusal, writeWorkbook, type XlsxCellValue } from '../xlsx.js';
import { itemAt } from '../items.js';
import type { PreparedImport } from './auth.types.js';

/**
 * Onboarding staff from a spreadsheet (.xlsx). Every row is checked first and every problem is
 * reported with its row number, field and reason. By default nothing is written when any row is bad;
 * `partial` (the person's explicit choice) writes the good rows and reports the rest. The rows that
 * are written are journaled as one batch entry with a digest (never a password).
 */

type Field = 'username' | 'displayName' | 'unit' | 'roles' | 'password';

/** Header aliases: a header cell matches when any part split on `/` matches one of these. */
const HEADERS: Record<Field, string[]> = {
  username: ['用户名', 'username', '登录名', '账号'],
  displayName: ['姓名', 'displayname', 'display name', 'name'],
  unit: ['单位', 'unit', '所属单位', 'unit id'],
  roles: ['角色', 'roles', 'role'],
  password: ['初始密码', 'password', '密码'],
};
const FIELDS = Object.keys(HEADERS) as Field[];

/** At most this many data rows per file (a larger onboarding is split into several files). */
export const IMPORT_MAX_ROWS = 2000;

export const TEMPLATE_HEADERS = ['用户名 / username', '姓名 / displayName', '单位 / unit', '角色 / roles', '初始密码 / password'];

/** Text of a cell whatever exceljs made of it (rich text, hyperlink, formula result, number). */
function cellText(v: XlsxCellValue): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v.trim();
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') {
    if ('richText' in v && Array.isArray(v.richText))
      return v.richText
        .map((p) => p.text)
        .join('')
        .trim();
    if ('text' in v && typeof v.text === 'string') return v.text.trim();
    if ('result' in v) return cellText(v.result as XlsxCellValue);
  }
  return String(v).trim();
}

function headerField(text: string): Field | undefined {
  const parts = text
    .toLowerCase()
    .split(/[/／()（）]/)
    .map((p) => p.trim())
    .filter(Boolean);
  return FIELDS.find((f) => parts.some((p) => HEADERS[f].includes(p)));
}

/** Splits a roles cell: `采样员, tracer、流调人员`. */
export function splitRoles(text: string): string[] {
  return text
    .split(/[,，、;；\n]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

interface RawRow {
  row: number;
  values: Record<Field, string>;
}

/** Reads the first worksheet: the first non-empty row is the header; empty rows are skipped. */
async function readSheet(buffer: Buffer): Promise<RawRow[]> {
  let columns: Partial<Record<Field, number>> | undefined;
  let headerRow = 0;
  const out: RawRow[] = [];
  let tooMany = false;
  // Parsed on a parse worker through the upload guard (ZIP checked first, rows capped).
  const rows = readXlsxOffThread(buffer);
  try {
    for await (const { row: rowNumber, cells: values } of rows) {
      const cells = values.map(cellText);
      if (!columns) {
        if (cells.every((c) => !c)) continue;
        columns = {};
        cells.forEach((c, i) => {
          const f = c ? headerField(c) : undefined;
          if (f && columns![f] === undefined) columns![f] = i;
        });
        headerRow = rowNumber;
        continue;
      }
      const v = Object.fromEntries(FIELDS.map((f) => [f, columns![f] === undefined ? '' : (cells[columns![f]!] ?? '')])) as Record<Field, string>;
      if (FIELDS.every((f) => !v[f])) continue;
      if (out.length >= IMPORT_MAX_ROWS) {
        tooMany = true;
        break;
      }
      out.push({ row: rowNumber, values: v });
    }
  } catch (err) {
    if (isUploadRefusal(err)) throw err;
    if ((err as Error).name === 'NoWorksheetError') throw AuthErrors.IMPORT_UNREADABLE({ problem: 'no worksheet' });
    throw AuthErrors.IMPORT_UNREADABLE();
  }
  if (!columns) throw AuthErrors.IMPORT_INVALID([{ row: 1, field: 'file', reason: 'the sheet is empty' }]);
  const missing = FIELDS.filter((f) => columns![f] === undefined);
  if (missing.length)
    throw AuthErrors.IMPORT_INVALID(missing.map((f) => ({ row: headerRow, field: f, reason: `column missing (header ${HEADERS[f][0]} / ${HEADERS[f][1]})` })));
  if (tooMany) throw AuthErrors.IMPORT_INVALID([{ row: headerRow, field: 'file', reason: `more than ${IMPORT_MAX_ROWS} rows; split the file` }]);
  if (out.length === 0) throw AuthErrors.IMPORT_INVALID([{ row: headerRow + 1, field: 'file', reason: 'no data rows' }]);
  return out;
}

/** Runs `fn` over items with at most `n` at a time (argon2 hashing uses the libuv pool). */
async function mapLimit<T, R>(items: T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(itemAt(items, i, 'an item'));
      }
    }),
  );
  return out;
}

export function createUserImport(deps: Deps, users: UserAdmin, units: UnitAdmin) {
  const { db } = deps;

  return {
    /**
     * Reads and checks every row, then hashes the passwords of the good ones (outside any
     * transaction). In `all` mode any bad row throws IMPORT_INVALID listing every problem.
     */
    async prepare(actor: Actor, buffer: Buffer, mode: 'all' | 'partial', fileName: string | null = null, dbx: DbOrTx = db): Promise<PreparedImport> {
      const raw = await readSheet(buffer);
      const failed: ImportError[] = [];
      const bad = new Set<number>();
      const fail = (row: number, field: Field, reason: string) => {
        failed.push({ row, field, reason });
        bad.add(row);
      };
      const usernames = raw.map((r) => normaliseUsername(r.values.username));
      const taken = await repo.usernamesTaken(
        dbx,
        usernames.filter((u) => !usernameProblem(u)),
      );
      const firstRow = new Map<string, number>();
      const unitCache = new Map<string, Awaited<ReturnType<UnitAdmin['lookup']>>>();
      const checked: { row: number; username: string; displayName: string; unit?: repo.UnitRow; roles: Role[]; password: string }[] = [];

      for (const [i, r] of raw.entries()) {
        const v = r.values;
        const username = itemAt(usernames, i, 'the username of a row');
        const uProblem = username ? usernameProblem(username) : 'required';
        if (uProblem) fail(r.row, 'username', uProblem);
        else if (firstRow.has(username)) fail(r.row, 'username', `duplicate of row ${firstRow.get(username)}`);
        else if (taken.has(username)) fail(r.row, 'username', 'already taken');
        if (username && !firstRow.has(username)) firstRow.set(username, r.row);

        if (!v.displayName) fail(r.row, 'displayName', 'required');
        else if (v.displayName.length > 64) fail(r.row, 'displayName', 'at most 64 characters');

        let unit: repo.UnitRow | undefined;
        if (!v.unit) fail(r.row, 'unit', 'required');
        else {
          let found = unitCache.get(v.unit);
          if (!found) unitCache.set(v.unit, (found = await units.lookup(actor, v.unit, dbx)));
          if (found.ok) unit = found.unit;
          else fail(r.row, 'unit', found.reason);
        }

        const roles: Role[] = [];
        const names = splitRoles(v.roles);
        if (names.length === 0) fail(r.row, 'roles', 'at least one role');
        for (const name of names) {
          const role = parseRole(name);
          if (!role) fail(r.row, 'roles', `unknown role '${name}'`);
          else if (!mayGrant(actor, role)) fail(r.row, 'roles', `you may not grant '${name}'`);
          else if (!roles.includes(role)) roles.push(role);
        }

        if (!v.password) fail(r.row, 'password', 'required');
        else {
          const pProblem = passwordProblem(v.password, username);
          if (pProblem) fail(r.row, 'password', pProblem);
        }
        checked.push({ row: r.row, username, displayName: v.displayName, unit, roles, password: v.password ?? '' });
      }

      if (failed.length && mode === 'all')
        throw AuthErrors.IMPORT_INVALID(
          failed,
          `导入文件有 ${bad.size} 行错误，未导入任何数据 (${bad.size} of ${raw.length} rows have errors; nothing was imported)`,
        );
      const good = checked.filter((c) => !bad.has(c.row));
      const valid = await mapLimit(good, 4, async (c) => ({
        row: c.row,
        user: {
          username: c.username,
          displayName: c.displayName,
          unit: c.unit!,
          roles: ROLES.filter((r) => c.roles.includes(r)),
          passwordHash: await hashPassword(c.password),
        },
      }));
      return { mode, rows: raw.length, valid, failed, fileName };
    },

    /** Writes the prepared rows in the caller's transaction and journals them as one batch. */
    async apply(trx: Tx, actor: Actor, p: PreparedImport): Promise<ImportResult> {
      const failed = [...p.failed];
      // Someone may have taken a username since the check; in `all` mode that fails the whole file.
      const takenNow = await repo.usernamesTaken(
        trx,
        p.valid.map((v) => v.user.username),
      );
      const rows = p.valid.filter((v) => {
        if (!takenNow.has(v.user.username)) return true;
        failed.push({ row: v.row, field: 'username', reason: 'already taken' });
        return false;
      });
      if (takenNow.size && p.mode === 'all') throw AuthErrors.IMPORT_INVALID(failed);
      const ids = await users.insertMany(
        trx,
        actor,
        rows.map((r) => r.user),
      );
      const created = rows.map((r, i) => ({ row: r.row, id: itemAt(ids, i, 'the id of a created user'), username: r.user.username }));
      if (created.length) {
        await deps.services.journal.appendBatch(trx, actor, {
          action: 'auth.user.import',
          entityType: 'user',
          jurisdictionPath: actor.scopePath === '/' ? null : actor.scopePath,
          rows: rows.map((r, i) => ({
            row: r.row,
            id: ids[i],
            username: r.user.username,
            displayName: r.user.displayName,
            unitId: r.user.unit.id,
            roles: r.user.roles,
          })),
          summary: { file: p.fileName, mode: p.mode, rows: p.rows, created: created.length, failed: failed.length },
        });
      }
      failed.sort((a, b) => a.row - b.row);
      return { mode: p.mode, rows: p.rows, created: created.length, users: created, failed };
    },

    /** An .xlsx template: the import sheet, instructions, the role names and the units in scope. */
    async template(actor: Actor, dbx: DbOrTx = db): Promise<Buffer> {
      const { items } = await units.list(actor, { active: true, limit: 500 }, dbx);
      return writeWorkbook(
        [
          { name: '用户导入 users', rows: [TEMPLATE_HEADERS], header: true, freezeHeader: true, widths: [18, 14, 30, 28, 20] },
          {
            name: '说明 instructions',
            header: true,
            widths: [22, 90],
            rows: [
              ['列 column', '说明 rule'],
              ['用户名 / username', '3–32 位：字母开头，可含字母、数字、_ . - （保存为小写）; a letter, then letters, digits, _ . -'],
              ['姓名 / displayName', '1–64 个字符'],
              ['单位 / unit', '单位名称或单位 ID，须在您的辖区内（见“单位 units”页）; unit name or id within your jurisdiction'],
              ['角色 / roles', '一个或多个，用逗号分隔；可填中文名称或英文代码（见“角色 roles”页）; comma-separated'],
              ['初始密码 / password', `至少 ${PASSWORD_MIN} 个字符，不能包含用户名; at least ${PASSWORD_MIN} characters`],
              ['示例 example', 'zhangsan | 张三 | 西陵区疫情防控指挥部 | 区级专员, 流调人员 | Yichang-2022-xl'],
              ['默认 default', '任何一行有错误则全部不导入；选择“部分导入”时导入正确的行; any bad row stops the whole file unless partial import is chosen'],
            ],
          },
          {
            name: '角色 roles',
            header: true,
            widths: [20, 16, 20, 16],
            rows: [
              ['代码 code', '中文', 'English', '可授予 grantable'],
              ...ROLES.map((r) => [r, ROLE_LABELS[r].zh, ROLE_LABELS[r].en, mayGrant(actor, r) ? '是 yes' : '否 no']),
            ],
          },
          {
            name: '单位 units',
            header: true,
            widths: [30, 38, 16, 14],
            rows: [['单位名称 name', '单位 ID', '辖区 jurisdiction', '类型 kind'], ...items.map((u) => [u.name, u.id, u.jurisdiction.name, u.kind])],
          },
        ],
        { creator: 'Bulwark (铜墙)' },
      );
    },
  };
}
