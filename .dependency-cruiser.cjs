/**
 * Module boundaries (npm run lint:deps): a module reaches another only through its index.ts or
 * <domain>.port.ts. There is no allow-list: a new import of another module's internals fails.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-module-internals',
      comment:
        'A module under src/server/modules/<m>/ reaches another module only through its index.ts or <domain>.port.ts, never its repository, tables or helpers.',
      severity: 'error',
      from: { path: '^src/server/modules/([^/]+)/', pathNot: '[.]test(-helpers)?[.]ts$' },
      to: {
        path: '^src/server/modules/[^/]+/',
        pathNot: ['^src/server/modules/$1/', '^src/server/modules/[^/]+/(index|[^/]+[.]port)[.]ts$'],
      },
    },
    {
      name: 'no-module-internals-in-tests',
      comment:
        "A module's tests and test helpers may also use another module's *.test-helpers.ts (its factories), nothing else of it.",
      severity: 'error',
      from: { path: '^src/server/modules/([^/]+)/.+[.]test(-helpers)?[.]ts$' },
      to: {
        path: '^src/server/modules/[^/]+/',
        pathNot: ['^src/server/modules/$1/', '^src/server/modules/[^/]+/(index|[^/]+[.]port|[^/]+[.]test-helpers)[.]ts$'],
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
