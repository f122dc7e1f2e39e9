import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

// One contract between server and web (issue 15): a request or response shape is written once, as the
// zod schema in a server `*.schemas.ts`; the web uses its inferred types through `import type` (erased
// from the bundle). This walks the web's source and fails on a hand-written copy of a server shape and
// on a value import of server code (which would pull the server into the browser bundle).

const root = fileURLToPath(new URL('../..', import.meta.url));
const webDir = join(root, 'src/web');
const serverDir = join(root, 'src/server');

function walk(dir: string, keep: (name: string) => boolean): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name), keep) : keep(e.name) ? [join(dir, e.name)] : []));
}

const webFiles = walk(webDir, (n) => /\.tsx?$/.test(n) && !/\.test\.tsx?$/.test(n) && !n.endsWith('.d.ts'));
const schemaFiles = walk(serverDir, (n) => /\.schemas?\.ts$/.test(n));
const commonDir = join(root, 'src/common');
/** src/common: values and vocabularies, and type-only re-exports of the server schemas' inferred types. */
const commonFiles = walk(commonDir, (n) => n.endsWith('.ts') && !n.endsWith('.test.ts'));

const parse = (file: string) =>
  ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true, file.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);

/** Interfaces and object-literal type aliases a file declares, with their property names. */
export function declaredShapes(sf: ts.SourceFile): { name: string; keys: string[] }[] {
  const out: { name: string; keys: string[] }[] = [];
  const keysOf = (members: ts.NodeArray<ts.TypeElement>) => members.filter(ts.isPropertySignature).map((m) => m.name.getText(sf));
  const visit = (n: ts.Node) => {
    if (ts.isInterfaceDeclaration(n)) out.push({ name: n.name.text, keys: keysOf(n.members) });
    else if (ts.isTypeAliasDeclaration(n) && ts.isTypeLiteralNode(n.type)) out.push({ name: n.name.text, keys: keysOf(n.type.members) });
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** Imports of server code that are not type-only (`import type` or every specifier `type`). */
export function serverValueImports(sf: ts.SourceFile): string[] {
  const bad: string[] = [];
  for (const s of sf.statements) {
    if (!(ts.isImportDeclaration(s) || ts.isExportDeclaration(s)) || !s.moduleSpecifier || !ts.isStringLiteral(s.moduleSpecifier)) continue;
    if (!/(^|\/)server\//.test(s.moduleSpecifier.text)) continue;
    let typeOnly: boolean;
    if (ts.isImportDeclaration(s)) {
      const c = s.importClause;
      const named = c?.namedBindings && ts.isNamedImports(c.namedBindings) ? c.namedBindings.elements : undefined;
      typeOnly = !!c && (c.isTypeOnly || (!c.name && !!named && named.length > 0 && named.every((e) => e.isTypeOnly)));
    } else {
      typeOnly = s.isTypeOnly || (!!s.exportClause && ts.isNamedExports(s.exportClause) && s.exportClause.elements.every((e) => e.isTypeOnly));
    }
    if (!typeOnly) bad.push(s.moduleSpecifier.text);
  }
  return bad;
}

/**
 * The property names of every object schema the server's schema files export, and of the objects nested
 * in them (fields, array items, nullable or optional parts: `SituationDto['infections']['today']`).
 */
async function serverShapes(): Promise<{ name: string; keys: string[] }[]> {
  const shapes: { name: string; keys: string[] }[] = [];
  const seen = new Set<unknown>();
  const collect = (v: unknown, name: string): void => {
    if (seen.has(v)) return;
    seen.add(v);
    if (v instanceof z.ZodArray) return collect(v.element, `${name}[]`);
    if (v instanceof z.ZodNullable || v instanceof z.ZodOptional) return collect(v.unwrap(), name);
    if (!(v instanceof z.ZodObject)) return;
    shapes.push({ name, keys: Object.keys(v.shape) });
    for (const [key, field] of Object.entries(v.shape as Record<string, unknown>)) collect(field, `${name}.${key}`);
  };
  for (const file of schemaFiles) {
    const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(mod)) collect(value, `${relative(root, file)}#${name}`);
  }
  return shapes;
}

/** The names of the types the server's schema files export (`export type User = z.infer<…>`). */
function serverTypeNames(): Set<string> {
  const names = new Set<string>();
  for (const file of schemaFiles) {
    for (const s of parse(file).statements) {
      if ((ts.isTypeAliasDeclaration(s) || ts.isInterfaceDeclaration(s)) && s.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword))
        names.add(s.name.text);
    }
  }
  return names;
}

/**
 * A web shape copies a server one when it has at least MIN_KEYS properties, all of them properties of
 * the server schema, covering most of it (a copy that dropped a field or two is still a copy).
 */
const MIN_KEYS = 4;
export function copies(web: string[], server: string[]): boolean {
  if (web.length < MIN_KEYS) return false;
  const s = new Set(server);
  return web.every((k) => s.has(k)) && web.length / s.size >= 0.5;
}

/**
 * Text limits a web file writes as numbers: `maxLength={500}` on an input, or a form rule
 * `{ max: 500 }` / `{ min: 5 }` (an array rule, `{ type: 'array', min: 1 }`, is no text limit). A limit
 * is the server's constant from src/common (`maxLength={CASE_LIMITS.note}`, `rulesFor(CASE_LIMITS.note)`).
 */
export function literalLimits(sf: ts.SourceFile): string[] {
  const out: string[] = [];
  const at = (n: ts.Node) => `${sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1}: ${n.getText(sf)}`;
  const visit = (n: ts.Node) => {
    if (
      ts.isJsxAttribute(n) &&
      n.name.getText(sf) === 'maxLength' &&
      n.initializer &&
      ts.isJsxExpression(n.initializer) &&
      n.initializer.expression &&
      ts.isNumericLiteral(n.initializer.expression)
    )
      out.push(at(n));
    if (ts.isObjectLiteralExpression(n)) {
      const props = n.properties.filter(ts.isPropertyAssignment);
      const isArrayRule = props.some((p) => p.name.getText(sf) === 'type');
      if (!isArrayRule && props.some((p) => ['max', 'min', 'len'].includes(p.name.getText(sf)) && ts.isNumericLiteral(p.initializer))) out.push(at(n));
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

describe('one contract between server and web', () => {
  it('finds the web source and the server schemas it checks', () => {
    expect(webFiles.length).toBeGreaterThan(50);
    expect(schemaFiles.length).toBeGreaterThanOrEqual(10);
  });

  it('the web imports server code only as types (nothing of the server reaches the bundle)', () => {
    const bad = webFiles.flatMap((f) => serverValueImports(parse(f)).map((m) => `${relative(root, f)}: ${m}`));
    expect(bad).toEqual([]);
  });

  it('no web file declares a Dto, or a type named like one the server schemas export', () => {
    const names = serverTypeNames();
    expect(names.has('User') && names.has('TaskDto')).toBe(true);
    const bad = webFiles.flatMap((f) =>
      declaredShapes(parse(f))
        .filter((d) => /Dto$/.test(d.name) || names.has(d.name))
        .map((d) => `${relative(root, f)}: ${d.name}`),
    );
    expect(bad).toEqual([]);
  });

  it("no web file declares a copy of a server schema's shape", async () => {
    const server = await serverShapes();
    expect(server.length).toBeGreaterThan(50);
    const bad: string[] = [];
    for (const f of webFiles) {
      for (const d of declaredShapes(parse(f))) {
        const of = server.find((s) => copies(d.keys, s.keys));
        if (of) bad.push(`${relative(root, f)}: ${d.name} {${d.keys.join(', ')}} copies ${of.name}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('src/common keeps values and vocabularies, not copies of the server schemas', async () => {
    expect(['cases.ts', 'control.ts', 'geo.ts', 'quarantine.ts', 'situation.ts', 'zoning.ts'].every((n) => commonFiles.some((f) => f.endsWith(`/${n}`)))).toBe(
      true,
    );
    const server = await serverShapes();
    const names = serverTypeNames();
    const bad: string[] = [];
    for (const f of commonFiles) {
      for (const d of declaredShapes(parse(f))) {
        const of = server.find((s) => copies(d.keys, s.keys));
        if (/Dto$/.test(d.name) || names.has(d.name) || of) bad.push(`${relative(root, f)}: ${d.name}${of ? ` copies ${of.name}` : ''}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('no web form writes a text limit as a number (limits come from src/common, as the server schemas do)', () => {
    const bad = webFiles.flatMap((f) => literalLimits(parse(f)).map((l) => `${relative(root, f)}:${l}`));
    expect(bad).toEqual([]);
  });

  it('the limit check catches a hand-written number and lets constants and array rules through', () => {
    const sf = ts.createSourceFile(
      'x.tsx',
      `const a = <Input maxLength={500} />;
       const b = <Input maxLength={CASE_LIMITS.note} />;
       const r1 = [{ required: true }, { max: 1000 }];
       const r2 = rulesFor(CASE_LIMITS.note, { min: CASE_LIMITS.min });
       const r3 = [{ required: true, type: 'array', min: 1 }];
       const r4 = [{ min: 5, max: 40 }];`,
      ts.ScriptTarget.ES2022,
      true,
      ts.ScriptKind.TSX,
    );
    expect(literalLimits(sf)).toEqual(['1: maxLength={500}', '3: { max: 1000 }', '6: { min: 5, max: 40 }']);
  });

  it('the checks catch what they are for', () => {
    // The hand-written Task interface the web carried before this test existed (src/web/modules/tasks/api.ts).
    const before = ts.createSourceFile(
      'x.ts',
      `import { http } from '../../../server/platform/tasks/tasks.service.js';
       import type { TaskDto } from '../../../server/platform/tasks/tasks.schemas.js';
       export interface Task { id: string; title: string; description: string | null; sourceModule: string; assigneeUnit: UnitRef; status: TaskStatus; dueAt: number | null; overdue: boolean; createdAt: number; updatedAt: number }
       type Values = { title: string; note: string };`,
      ts.ScriptTarget.ES2022,
      true,
    );
    expect(serverValueImports(before)).toEqual(['../../../server/platform/tasks/tasks.service.js']);
    const [task, values] = declaredShapes(before);
    expect(task.name).toBe('Task');
    const taskKeys = [
      'id',
      'title',
      'description',
      'sourceModule',
      'sourceEntityType',
      'sourceEntityId',
      'assigneeUnit',
      'creatorUnit',
      'jurisdictionPath',
      'priority',
      'status',
      'dueAt',
      'overdue',
      'cancelReason',
      'createdAt',
      'updatedAt',
      'events',
    ];
    expect(copies(task.keys, taskKeys)).toBe(true);
    expect(copies(values.keys, taskKeys)).toBe(false);
    expect(copies([...task.keys, 'colour'], taskKeys)).toBe(false);
  });
});
