import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MESSAGES } from '../../../common/i18n.js';
import { AREA_EVENT_KINDS } from '../../../common/zoning.js';

// Issue 16: the journal page shows an action and an entity type by their labels
// (src/common/messages/journal-actions.ts), never the dotted id. This reads every journaled action
// and entity type in the server's sources and fails on one without a label.
const SERVER = join(import.meta.dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.includes('test-helpers') ? [p] : [];
  });
}

/** Dotted string literals given as `action:` / `batchAction:` (ternaries included) and `entityType:` literals, per file. */
function journaled(): { actions: Map<string, string>; entityTypes: Map<string, string> } {
  const actions = new Map<string, string>();
  const entityTypes = new Map<string, string>();
  for (const file of sourceFiles(SERVER)) {
    const src = readFileSync(file, 'utf8');
    for (const m of src.matchAll(/\b(?:batchA|a)ction\??: ([^,\n]*)/g))
      for (const lit of m[1]!.matchAll(/'([a-z_-]+(?:\.[a-z_-]+)+)'/g)) actions.set(lit[1]!, file);
    for (const m of src.matchAll(/\bentityType: '([a-z_]+)'/g)) entityTypes.set(m[1]!, file);
  }
  return { actions, entityTypes };
}

describe('journal labels', () => {
  it('gives every action and entity type a module journals a label in both languages, so the journal page never shows the id', () => {
    const { actions, entityTypes } = journaled();
    // The reading found what is certainly journaled (a guard against a regex that matches nothing).
    expect(actions.has('testing.result.record')).toBe(true);
    expect(actions.has('quarantine.release-request.approve')).toBe(true);
    expect(entityTypes.has('case_cluster')).toBe(true);
    const keys = new Set(Object.keys(MESSAGES));
    const missing = [
      ...[...actions].filter(([a]) => !keys.has(`journal.action.${a}`)).map(([a, f]) => `action ${a} (${f})`),
      // zoning writes `zoning.area.<kind>` for each area event kind.
      ...AREA_EVENT_KINDS.filter((k) => !keys.has(`journal.action.zoning.area.${k}`)).map((k) => `action zoning.area.${k}`),
      ...[...entityTypes].filter(([e]) => !keys.has(`journal.entity.${e}`)).map(([e, f]) => `entity type ${e} (${f})`),
    ];
    expect(missing).toEqual([]);
  });
});
