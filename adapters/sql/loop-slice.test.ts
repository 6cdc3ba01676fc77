import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loopSlicer } from './loop-slice.js';
import { createPgliteClient } from './pglite-client.js';
import type { SqlClient } from './sql-client.js';

describe('loopSlicer', () => {
  it('resolves at once inside a slice and after a turn of the loop once the slice is spent', async () => {
    let t = 0;
    const slicer = loopSlicer(10, () => t);
    // Work queued on the loop before the turn runs within it; inside a slice nothing leaves the microtasks.
    let queuedRan = false;
    setImmediate(() => {
      queuedRan = true;
    });
    t = 9;
    await slicer.due();
    expect(queuedRan).toBe(false);
    t = 10;
    await slicer.due();
    expect(queuedRan).toBe(true);
  });
});

describe('the embedded store under a long chain of queries', () => {
  let db: SqlClient;
  beforeAll(async () => {
    db = await createPgliteClient();
  });
  afterAll(async () => {
    await db.close();
  });

  it('lets timers and I/O run while the chain lasts (a projection catching up must not starve the API)', async () => {
    let firedAfter = -1;
    let done = 0;
    setTimeout(() => {
      firedAfter = done;
    }, 0);
    const started = performance.now();
    // Long enough to span several slices on any machine.
    while (performance.now() - started < 200) {
      await db.query('SELECT $1::int AS n', [done]);
      done++;
    }
    expect(firedAfter, `the timer ran only after all ${done} queries`).toBeGreaterThanOrEqual(0);
    expect(firedAfter).toBeLessThan(done);
  });
});
