import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// Issue 15: modules write task and alert texts as message keys (`msg(key, params)`), never as
// `中文 · English` strings the web would split. This reads every producer's call sites.
const SERVER = join(import.meta.dirname, '..', '..');
const CALL = /(?:\.notify|\btasks\.create)\(/g;
/** A `title`, `body` or `description` given as a string or template literal. */
const LITERAL_TEXT = /\b(title|body|description)\s*[:=]\s*[`'"]/;
/** A `中文 · English` literal anywhere: Chinese, then ` · `, then a Latin letter. */
const BILINGUAL = /[`'"][^`'"\n]*[\u4e00-\u9fff][^`'"\n]* · [^`'"\n]*[A-Za-z]/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.includes('test-helpers') ? [p] : [];
  });
}

/** The argument text of each producer call in `src` (balanced parentheses). */
function producerCalls(src: string): string[] {
  const out: string[] = [];
  for (const m of src.matchAll(CALL)) {
    let depth = 1;
    let i = m.index + m[0].length;
    for (; i < src.length && depth > 0; i++) {
      if (src[i] === '(') depth++;
      else if (src[i] === ')') depth--;
    }
    out.push(src.slice(m.index + m[0].length, i - 1));
  }
  return out;
}

/** What is wrong with one call's arguments, or null. `file` resolves shorthand (`title,`) and named (`title: t`) variables. */
function problemOf(args: string, file: string): string | null {
  if (BILINGUAL.test(args)) return 'passes a 中文 · English string';
  if (LITERAL_TEXT.test(args)) return 'passes a literal text instead of msg(key, params)';
  for (const m of args.matchAll(/\b(title|body|description)(?:\s*:\s*(\w+))?\s*[,}\n]/g)) {
    const name = m[2] ?? m[1]!;
    const decl = new RegExp(`\\b(?:const|let)\\s+${name}\\s*=\\s*([^;]*)`).exec(file);
    if (decl && !/^\s*(?:msg\(|[\w.]+\s*\?\s*msg\()/.test(decl[1]!) && /[`'"]/.test(decl[1]!.slice(0, 2))) return `passes ${name}, a literal text`;
    if (decl && BILINGUAL.test(decl[1]!)) return `passes ${name}, a 中文 · English string`;
  }
  return null;
}

describe('task and alert producers', () => {
  it('pass message keys, never a 中文 · English string or a literal text', () => {
    const problems: string[] = [];
    let calls = 0;
    for (const path of sourceFiles(SERVER)) {
      const rel = relative(SERVER, path);
      if (rel.startsWith(join('platform', 'tasks'))) continue; // the service itself, and a person's own alerts
      const src = readFileSync(path, 'utf8');
      for (const args of producerCalls(src)) {
        calls++;
        const p = problemOf(args, src);
        if (p) problems.push(`${rel}: ${p}: ${args.slice(0, 120).replace(/\s+/g, ' ')}`);
      }
      // Texts built elsewhere and handed to a producer (home sampling's channels, the recheck alerts).
      for (const m of src.matchAll(/\b(?:title|body|description)\s*:\s*[`'"][^\n]*/g))
        if (BILINGUAL.test(m[0])) problems.push(`${rel}: a 中文 · English task/alert text: ${m[0].slice(0, 120)}`);
    }
    expect(problems).toEqual([]);
    // Every module that dispatches work is read (cases, population, zoning, quarantine, testing).
    expect(calls).toBeGreaterThanOrEqual(15);
  });

  it('would catch the strings modules used to write', () => {
    const file = 'const title = `隔离逾期未解除（${d}） · Quarantine past its end date (${d})`;';
    expect(problemOf("trx, actor, { title: `单管复核：${n} · Single-tube recheck: ${n}`, sourceModule: 'testing' }", '')).toMatch(/中文 · English/);
    expect(problemOf("trx, actor, { title, body, sourceModule: 'quarantine' }", file)).toMatch(/title/);
    expect(problemOf("trx, actor, { title: '任务', sourceModule: 'x' }", '')).toMatch(/literal/);
    expect(problemOf("trx, actor, { title: msg('task.auto.overdue.body'), sourceModule: 'x' }", '')).toBeNull();
    expect(problemOf("trx, actor, { title, description, sourceModule: 'x' }", "const title = msg('a.b');\nconst description = msg('c.d');")).toBeNull();
  });
});
