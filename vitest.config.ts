// Test projects: `unit` (pure code and the server through inject/listen), `redis` (the Redis bus against real Redis), `store` (the SQL store on PGlite and PostgreSQL) and `browser` (real Chromium).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The JSON report lets CI print one closing line with the counts (.ci/run).
    reporters: ['default', ['json', { outputFile: '.tmp/vitest-results.json' }]],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/server/**/*.test.ts'],
          environment: 'node',
          testTimeout: 20_000,
          // The first app of a file opens an embedded database (seconds when the template is being made).
          hookTimeout: 30_000,
        },
      },
      {
        test: {
          // The Redis bus against real Redis servers (the machine's, and private redis-server children).
          name: 'redis',
          include: ['test/redis/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 30_000,
          // Several server processes and redis-servers per file: one file at a time on two cores.
          fileParallelism: false,
        },
      },
      {
        test: {
          // The server store on both engines: PGlite in temporary directories and fresh databases on the machine's PostgreSQL.
          name: 'store',
          include: ['test/store/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // A new PGlite data directory costs seconds of CPU: one file at a time on two cores.
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // One Chromium at a time: the machine has two cores.
          fileParallelism: false,
        },
      },
    ],
  },
});
