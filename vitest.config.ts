/**
 * One Vitest configuration for the whole repository: unit tests (`*.test.ts`) and the slower
 * integration tests (`*.int.test.ts`, which need a database, a browser or a server) sit beside
 * the code they test. Two cores: at most two test files run at once.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'apps/*/src/**/*.test.ts',
      'apps/*/src/**/*.test.tsx',
      'apps/*/e2e/**/*.test.ts',
      'bench/**/*.test.ts',
    ],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
