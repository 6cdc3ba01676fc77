import { describe, expect, it } from 'vitest';
import type { PaperClock } from '../../replay/engine/paper.js';
import { LiveMarks, type MarkSource } from './live-marks.js';

describe('LiveMarks', () => {
  it('keeps the latest mark, counts a version per changed price, and says an outage once', async () => {
    // What the venue answers at each poll: a price, the same price again, an outage of two polls, a new price.
    const script: (number | Error)[] = [100, 100, new Error('timed out'), new Error('timed out'), 101];
    let polls = 0;
    const source: MarkSource = {
      markPrices: async () => {
        const next = script[polls++]!;
        if (next instanceof Error) throw next;
        return new Map([['BTCUSDT', { price: next, time: polls }]]);
      },
    };
    const stop = new AbortController();
    const seen: [number | null, number][] = [];
    const logs: string[] = [];
    const clock: PaperClock = {
      now: () => polls,
      sleep: async () => {
        seen.push([marks.get('BTCUSDT'), marks.version]);
        if (polls === script.length) stop.abort();
      },
    };
    const marks = new LiveMarks(source, ['BTCUSDT'], { clock, log: (m) => logs.push(m) });
    const ticks: unknown[] = [];
    marks.ticks.subscribe((t) => ticks.push(t));
    expect(marks.get('BTCUSDT')).toBeNull();
    await marks.run(stop.signal);
    expect(seen).toEqual([
      [100, 1],
      [100, 1],
      [100, 1],
      [100, 1],
      [101, 2],
    ]);
    // Every mark that moved, in price or in time, for the WebSocket's market channel; none in the outage.
    expect(ticks).toEqual([
      { symbol: 'BTCUSDT', markPrice: 100, time: 1 },
      { symbol: 'BTCUSDT', markPrice: 100, time: 2 },
      { symbol: 'BTCUSDT', markPrice: 101, time: 5 },
    ]);
    expect(logs).toEqual([
      'mark prices: timed out; positions keep their last marks',
      'mark prices: the venue answers again',
    ]);
  });
});
