import { defineConfig } from 'vitest/config';

const timeouts = { testTimeout: 60_000, hookTimeout: 60_000 };

export default defineConfig({
  test: {
    poolOptions: {
      /*
       * The files that run in the test's own process share one worker thread, which loads the modules,
       * makes the in-memory template store and tiers PGlite's WebAssembly up once: a fresh process per
       * file did all three again, about half of these files' CPU time (domain, commands and projections:
       * 299 CPU-s isolated, 134 shared). They keep no state between files but what each opens and closes.
       * One thread, beside the two processes: CI is CPU-bound on two cores.
       */
      threads: { isolate: false, maxThreads: 1, minThreads: 1 },
      // A fresh process per file for start-up scenarios, paper sessions and browsers, so that no server,
      // timer or exit handler one file leaves can touch the next.
      forks: { maxForks: 2, minForks: 1 },
    },
    projects: [
      {
        extends: true,
        test: {
          ...timeouts,
          name: 'in-process',
          pool: 'threads',
          include: ['{domain,projections,commands,adapters,replay}/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          ...timeouts,
          name: 'processes',
          pool: 'forks',
          include: ['scripts/**/*.test.ts', 'ui/e2e/**/*.test.ts'],
        },
      },
    ],
  },
});
