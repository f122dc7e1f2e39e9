#!/usr/bin/env node
// noUncheckedIndexedAccess, module by module (issue 15, "Typed rows"). Runs tsc with tsconfig.strict.json
// (the flag on, the modules' files included) and fails on any diagnostic in a STRICT path. Files these
// modules import are checked too, but their diagnostics are left to their own turn: a module joins by
// adding its folder to `include` in tsconfig.strict.json and to STRICT here, once its diagnostics are fixed.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Paths (prefixes, relative to the repo) held to the flag. */
const STRICT = [
  'src/server/modules/zoning/',
  'src/server/modules/population/',
  'src/server/modules/geo/',
  'src/server/modules/cases/',
  'src/server/modules/quarantine/',
  'src/server/modules/control/',
  'src/server/modules/companions/',
  'src/server/modules/text/',
  'src/server/modules/command/',
  'src/server/platform/',
  'src/server/modules/testing/',
];
/**
 * Files inside STRICT paths not yet fixed (each to be removed from this list when it is). Tests index
 * their fixtures heavily (`rows[0].id`); geometry.ts indexes coordinate tuples.
 */
const PENDING = [/\.test\.ts$/, /\.test-helpers\.ts$/, /^src\/server\/modules\/geo\/geometry\.ts$/];

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = spawnSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '--noEmit', '--pretty', 'false', '-p', `${root}tsconfig.strict.json`], {
  cwd: root,
  encoding: 'utf8',
});
if (tsc.error) throw tsc.error;
const lines = `${tsc.stdout}${tsc.stderr}`.split('\n');
const errors = [];
let current = null;
for (const line of lines) {
  const m = /^(.+?)\(\d+,\d+\): error TS\d+/.exec(line);
  if (m) {
    const path = m[1].replaceAll('\\', '/');
    current = STRICT.some((p) => path.startsWith(p)) && !PENDING.some((re) => re.test(path)) ? [line] : null;
    if (current) errors.push(current);
  } else if (current && line.startsWith(' ')) current.push(line);
  else if (line.startsWith('error TS')) {
    // A diagnostic without a file (a bad tsconfig): always fatal.
    errors.push([line]);
    current = null;
  }
}
if (errors.length) {
  console.error(errors.map((e) => e.join('\n')).join('\n'));
  console.error(`\ntypecheck-strict: ${errors.length} noUncheckedIndexedAccess diagnostic(s) in ${STRICT.join(', ')}`);
  process.exit(1);
}
console.log(`typecheck-strict: clean (${STRICT.length} module folders; pending files: ${PENDING.length} patterns)`);
