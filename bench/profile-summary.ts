/**
 * Summarises a .cpuprofile (from `profiled()` in bench/lib.ts or `node --cpu-prof`): self time per
 * function and per source file, and inclusive time of the functions whose name matches a filter.
 *
 *   node --import tsx bench/profile-summary.ts <file.cpuprofile> [top=40] [inclusive-filter]
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
const [file, topArg, filter] = process.argv.slice(2);
const p = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const self = new Map<number, number>();
let total = 0;
p.samples.forEach((id, i) => {
  const dt = p.timeDeltas[i] ?? 0;
  self.set(id, (self.get(id) ?? 0) + dt);
  total += dt;
});
const short = (url: string) => url.replace(/^file:\/\/.*?\/(node_modules|src|bench)\//, '$1/').replace(/^node:/, 'node:');
const label = (n: Node) => `${n.callFrame.functionName || '(anon)'} ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
const fnSelf = new Map<string, number>();
const fileSelf = new Map<string, number>();
for (const [id, t] of self) {
  const n = byId.get(id)!;
  add(fnSelf, label(n), t);
  const f = short(n.callFrame.url) || `(${n.callFrame.functionName})`;
  add(
    fileSelf,
    f.startsWith('node_modules/')
      ? f
          .split('/')
          .slice(0, f.split('/')[1].startsWith('@') ? 3 : 2)
          .join('/')
      : f,
    t,
  );
}
const pct = (t: number) => `${((t / total) * 100).toFixed(1).padStart(5)}%`;
const top = Number(topArg ?? 40);
console.log(`total ${(total / 1000).toFixed(0)} ms sampled\n\n== self time by file ==`);
for (const [k, v] of [...fileSelf].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(pct(v), k);
console.log('\n== self time by function ==');
for (const [k, v] of [...fnSelf].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(pct(v), k);
if (filter) {
  // Inclusive time: a sample counts once for each distinct matching frame on its stack.
  const incl = new Map<string, number>();
  p.samples.forEach((id, i) => {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur)!;
      const l = label(n);
      if (!seen.has(l) && new RegExp(filter).test(l)) {
        seen.add(l);
        add(incl, l, p.timeDeltas[i] ?? 0);
      }
    }
  });
  console.log(`\n== inclusive time of frames matching /${filter}/ ==`);
  for (const [k, v] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(pct(v), k);
}
