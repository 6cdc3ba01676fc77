import { defineConfig } from 'vitest/config';

const shared = { testTimeout: 60_000, hookTimeout: 60_000, pool: 'forks' as const };

export default defineConfig({
  test: {
    // PGlite instances and the PostgreSQL pool are heavy; two cores run two forks well.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    projects: [
      {
        extends: true,
        test: {
          ...shared,
          name: 'in-process',
          include: ['{domain,projections,commands,adapters,replay}/**/*.test.ts'],
          /*
           * One process runs many of these files: each file in a fresh process loaded its modules again,
           * made its own template store, and compiled PGlite's WebAssembly to its fast tier again, which
           * was about half of these files' CPU time. They share no state but what each opens and closes.
           */
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          ...shared,
          name: 'processes',
          // Start-up scenarios, paper sessions and browsers: a fresh process each, so that no server,
          // timer or exit handler one file leaves can touch the next.
          include: ['scripts/**/*.test.ts', 'ui/e2e/**/*.test.ts'],
        },
      },
    ],
  },
});
