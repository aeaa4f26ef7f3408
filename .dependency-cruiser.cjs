/**
 * Dependency boundaries (see the README's package tour): arrows point one way. `packages/ml` is pure — no
 * node:* built-ins (except its optional `src/node/` sub-export) and no other aquaops package;
 * apps never import each other; the web app reaches the server only over HTTP; no cycles.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import cycles make module initialisation order fragile.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'ml-is-pure-no-node-builtins',
      severity: 'error',
      comment: '@aquaops/ml runs in a browser: no node:* modules outside src/node/.',
      from: { path: '^packages/ml/src', pathNot: '^packages/ml/src/node/|\\.test\\.ts$' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'ml-imports-nothing-of-ours',
      severity: 'error',
      from: { path: '^packages/ml/' },
      to: { path: '^(packages/(?!ml/)|apps/)' },
    },
    {
      name: 'packages-never-import-apps',
      severity: 'error',
      from: { path: '^packages/' },
      to: { path: '^apps/' },
    },
    {
      name: 'apps-never-import-each-other',
      severity: 'error',
      from: { path: '^apps/([^/]+)/' },
      to: { path: '^apps/', pathNot: '^apps/$1/' },
    },
    {
      name: 'web-talks-to-server-over-http-only',
      severity: 'error',
      from: { path: '^apps/web/' },
      to: { path: '^packages/(data|registry|monitor|ml)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'node_modules|dist|\\.d\\.ts$' },
    // Not 'swc': dependency-cruiser's swc parser has no TSX support (apps/web is React).
    parser: 'tsc',
    tsPreCompilationDeps: true,
    combinedDependencies: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
      extensions: ['.ts', '.tsx', '.js', '.mjs'],
    },
  },
};
