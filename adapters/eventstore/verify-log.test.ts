import { describe, expect, it } from 'vitest';
import { signal } from '../testing/events.js';
import { sqlTargets } from '../testing/sql-targets.js';
import type { OpenedStore } from './open-store.js';
import { verifyLog } from './verify-log.js';

const tamperSuite = (
  name: string,
  open: () => Promise<{ opened: OpenedStore; close: () => Promise<void> }>,
) => {
  describe(`tamper evidence on ${name}`, () => {
    it('an intact log verifies; an edited row and a deleted row are each named', async () => {
      const { opened, close } = await open();
      try {
        for (let s = 0; s < 4; s++) {
          for (let b = 0; b < 3; b++) {
            await opened.store.append(`order-${s}`, 'any', [signal(b * 2), signal(b * 2 + 1)]);
          }
        }
        const clean = await verifyLog(opened.client, { batchSize: 5 });
        expect(clean).toMatchObject({ checked: 24, head: 24, ok: true, firstBreak: null, problems: [] });

        // A reviewer's nightmare: someone "fixes" a signal's strength and removes an awkward event.
        await opened.client.query(
          `UPDATE events SET data = replace(data::text, '"strength":0.5', '"strength":0.9')::json WHERE global_position = 5`,
        );
        await opened.client.query('DELETE FROM events WHERE global_position = 14');
        const report = await verifyLog(opened.client, { batchSize: 5 });
        expect(report.ok).toBe(false);
        expect(report.firstBreak).toBe(5);
        // Each stream gets 6 events in turn: position 14 is order-2's version 2, so its successor in
        // the stream (position 15, version 3) shows the hole, and the global chain breaks at 15 too.
        expect(report.problems.map((p) => [p.kind, p.globalPosition])).toEqual([
          ['altered', 5],
          ['missing_in_stream', 15],
          ['global_chain_broken', 15],
        ]);
        expect(report.problems[2]).toMatchObject({ previousPosition: 13 });
      } finally {
        await close();
      }
    });
  });
};

for (const target of sqlTargets('tamper'))
  tamperSuite(target.name === 'PostgreSQL' ? 'PostgreSQL server' : target.name, target.open);
