#!/usr/bin/env node
// Runs the TypeScript CLI directly through tsx's loader: no separate server build step.
// The project runs on the Node 24 that `npm install` puts in node_modules/.bin (the `node` package):
// npm scripts and npx use it. An older system Node would crash inside better-sqlite3, so say so first.
if (Number(process.versions.node.split('.')[0]) < 24) {
  console.error(
    `bulwark needs Node 24 or later; this is ${process.version}. Run it through npm (npm run bulwark -- …, npx bulwark …) or node_modules/.bin/node.`,
  );
  process.exit(1);
}
const { register } = await import('tsx/esm/api');

register();
await import('../src/cli/main.ts');
