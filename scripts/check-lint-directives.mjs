// Lint gate: every comment that switches a lint rule off names the rule and gives a reason on the
// same line (`// eslint-disable-next-line rule -- why`). oxlint reads both eslint- and oxlint- forms.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ROOTS = ['src', 'test', 'bench', 'bin', 'scripts'];
const DIRECTIVE = /\b(?:eslint|oxlint)-disable(?:-next-line|-line)?\b(.*)$/;
const bad = [];
function walk(dir) {
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, d.name);
    if (d.isDirectory()) walk(p);
    else if (/\.(?:[cm]?[jt]sx?)$/.test(d.name) && p !== path.join('scripts', 'check-lint-directives.mjs')) {
      readFileSync(p, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          const m = DIRECTIVE.exec(line);
          if (!m) return;
          const [rules, reason] = m[1].split(/\s--\s/);
          if (!rules?.trim() || !reason?.replace(/\*\/\s*$/, '').trim()) bad.push(`${p}:${i + 1}: ${line.trim()}`);
        });
    }
  }
}
for (const r of ROOTS) walk(r);
if (bad.length) {
  console.error(`A lint directive needs the rule and a reason on the same line (\`// eslint-disable-next-line rule -- why\`):\n${bad.join('\n')}`);
  process.exit(1);
}
