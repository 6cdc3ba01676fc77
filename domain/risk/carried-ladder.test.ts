import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fixed, toText } from '../ledger/fixed.js';
import { bestSince, type CarriedLadder, ladderOfEvents, resumeStops } from './carried-ladder.js';
import {
  type OpenStops,
  onBar,
  onExitFilled,
  openStops,
  type StopBook,
  type StopEvent,
  type StopStep,
  triggerLeg,
} from './stops.js';
import { stopBar as bar, openAt, stopParams as params, parseStopEvents as valid } from './test-stops.js';

const open = (over: Partial<OpenStops> = {}): OpenStops =>
  openAt({ positionId: 'run1-BTCUSDT-3', at: 1_000, ...over });

const resume = (ladder: CarriedLadder, book: Pick<StopBook, 'open' | 'best' | 'bars'>, close: number) =>
  resumeStops(params, ladder, {
    positionId: 'run2-BTCUSDT-1',
    side: ladder.side,
    quantity: book.open,
    at: 50_000,
    close,
    best: book.best,
    bars: book.bars,
    tickSize: fixed('0.1'),
    stepSize: fixed('0.001'),
    holding: 'engine',
  });

/** A long from 100 (stop 96, targets 104 and 108) that ran to 107 and had its first target taken. */
const ranUp = () => {
  const events: StopEvent[] = [];
  const take = (s: StopStep) => {
    events.push(...s.events);
    return s.book;
  };
  let b = take(openStops(params, open()));
  b = take(onBar(params, b, bar(2_000, 104.5, 101, 104)));
  b = take(onExitFilled(b, 'run1-BTCUSDT-3:tp1', fixed('0.5'), 2_000));
  b = take(onBar(params, b, bar(3_000, 107, 103, 106.5)));
  return { book: b, events };
};

describe('a stop ladder carried to the next run', () => {
  it('is rebuilt from its events as they left it: entry, levels, targets taken, best price', () => {
    const { book, events } = ranUp();
    expect(book.protective.layer).toBe('chandelier');
    const ladder = ladderOfEvents(events)!;
    expect(ladder).toEqual({
      positionId: 'run1-BTCUSDT-3',
      symbol: 'BTCUSDT',
      side: 'long',
      openedAt: 1_000,
      entry: 100,
      initialStop: '96',
      protective: { layer: 'chandelier', price: toText(book.protective.price!), status: 'armed' },
      takeProfits: [
        { legId: 'run1-BTCUSDT-3:tp1', price: '104', quantity: '0.5', status: 'filled' },
        { legId: 'run1-BTCUSDT-3:tp2', price: '108', quantity: '0.25', status: 'armed' },
      ],
      timeStop: 'armed',
      best: 107,
    });
  });

  it('goes on where it stood: the same stop, the targets not taken, the time stop still counting', () => {
    const { book, events } = ranUp();
    const r = resume(ladderOfEvents(events)!, book, 106.5);
    if (r.kind !== 'resumed') throw new Error(r.reason);
    expect(r.breached).toBeNull();
    valid(r.step.events);
    const b = r.step.book;
    expect(toText(b.protective.price!)).toBe(toText(book.protective.price!));
    expect(b.protective).toMatchObject({
      legId: 'run2-BTCUSDT-1:stop',
      layer: 'chandelier',
      status: 'armed',
    });
    expect(toText(b.protective.quantity)).toBe('0.5');
    expect(b.takeProfits.map((l) => [l.legId, toText(l.price!), toText(l.quantity)])).toEqual([
      ['run2-BTCUSDT-1:tp2', '108', '0.25'],
    ]);
    expect(b.timeStop?.status).toBe('armed');
    expect([toText(b.entryPrice), toText(b.initialStop), b.risk, b.best, b.bars]).toEqual([
      '100',
      '96',
      4,
      107,
      2,
    ]);
    // The record names the ladder it came from, and what it counts from, for the next carry and the audit.
    expect(r.step.events[0]!.data).toMatchObject({
      action: 'placed',
      inputs: { carriedFrom: 'run1-BTCUSDT-3', openedAt: 1_000, entry: 100, initialStop: '96', best: 107 },
    });
    // Carried again, it is the same ladder.
    const again = ladderOfEvents(r.step.events)!;
    expect(again).toMatchObject({ openedAt: 1_000, entry: 100, initialStop: '96', best: 107 });
    expect(again.protective).toEqual(ladderOfEvents(events)!.protective);
  });

  it('allots the targets in order to no more than is held', () => {
    const events = openStops(params, open()).events;
    const r = resume(ladderOfEvents(events)!, { open: fixed('0.6'), best: 100, bars: 0 }, 100);
    if (r.kind !== 'resumed') throw new Error(r.reason);
    expect(r.step.book.takeProfits.map((l) => toText(l.quantity))).toEqual(['0.5', '0.1']);
    expect(toText(r.step.book.protective.quantity)).toBe('0.6');
  });

  it('reports a stop the market went through meanwhile, or one that had triggered, for an exit at once', () => {
    const { book, events } = ranUp();
    const ladder = ladderOfEvents(events)!;
    const through = resume(ladder, book, 90);
    expect(through.kind === 'resumed' && through.breached).toMatch(
      /last close 90 is through its chandelier stop/,
    );
    const triggered = ladderOfEvents([
      ...events,
      ...triggerLeg(book, book.protective.legId, 4_000, 'chandelier stop traded', {}).events,
    ])!;
    expect(triggered.protective.status).toBe('triggered');
    const r = resume(triggered, book, 106.5);
    if (r.kind !== 'resumed') throw new Error(r.reason);
    expect(r.breached).toBe('its chandelier stop had triggered in the earlier run');
    // The caller triggers it: the exit is the ladder's, on the record.
    const t = triggerLeg(r.step.book, 'run2-BTCUSDT-1:stop', 50_000, r.breached!, {});
    valid(t.events);
    expect(t.book.protective.status).toBe('triggered');
  });

  it('is not carried onto a position of the other side, nor once it was closed', () => {
    const { book, events } = ranUp();
    const ladder = ladderOfEvents(events)!;
    expect(resumeStops(params, ladder, { ...resumeArgs(book), side: 'short' }).kind).toBe('fresh');
    const closed = ladderOfEvents([...events, { type: 'StopStatusChanged', data: cancelled(book) }])!;
    expect(resume(closed, book, 106.5)).toEqual({
      kind: 'fresh',
      reason: "the earlier ladder's stop was cancelled",
    });
    expect(ladderOfEvents([])).toBeNull();
    expect(ladderOfEvents(events.slice(1))).toBeNull();
  });

  const path = fc.array(
    fc.record({
      move: fc.double({ min: -0.03, max: 0.03, noNaN: true }),
      range: fc.double({ min: 0, max: 0.03, noNaN: true }),
      atrPct: fc.double({ min: 0.002, max: 0.05, noNaN: true }),
    }),
    { minLength: 2, maxLength: 60 },
  );

  it('changes nothing: a ladder carried at any bar moves and exits as the one that was never interrupted', () => {
    fc.assert(
      fc.property(fc.constantFrom('long' as const, 'short' as const), path, fc.nat(), (side, bars, cut) => {
        const k = 1 + (cut % (bars.length - 1));
        /** One bar for a ladder; its triggered exits fill at once. The events, legs named by suffix. */
        const feed = (book: StopBook, i: number, px: number) => {
          const b = bars[i]!;
          const next = px * (1 + b.move);
          const high = Math.max(px, next) * (1 + b.range);
          const low = Math.min(px, next) * (1 - b.range);
          const all: StopEvent[] = [];
          let s = onBar(params, book, bar(10_000 * (i + 1), high, low, next, next * b.atrPct));
          all.push(...s.events);
          for (const l of [s.book.protective, ...s.book.takeProfits, s.book.timeStop]) {
            if (l === null || s.book.open <= 0n) continue;
            const now = [s.book.protective, ...s.book.takeProfits, s.book.timeStop].find(
              (x) => x?.legId === l.legId,
            );
            if (now?.status !== 'triggered') continue;
            s = onExitFilled(s.book, l.legId, now.quantity, 10_000 * (i + 1));
            all.push(...s.events);
          }
          return { book: s.book, events: all, close: next, high, low, at: 10_000 * (i + 1) };
        };
        const shape = (events: readonly StopEvent[]) =>
          events.map((e) => [
            e.type,
            e.data.legId.slice(e.data.legId.lastIndexOf(':')),
            e.data.layer,
            e.data.price,
            e.data.quantity,
            e.type === 'StopStatusChanged' ? e.data.to : e.data.action,
          ]);
        let book = openStops(params, open({ side })).book;
        const before: StopEvent[] = [...openStops(params, open({ side })).events];
        let px = 100;
        // The bars as the next run reads them from the exchange: its best price comes from them and the
        // ladder's events (bestSince), not from the book it never had.
        const seen = { openTime: [] as number[], high: [] as number[], low: [] as number[] };
        for (let i = 0; i < k; i++) {
          const s = feed(book, i, px);
          before.push(...s.events);
          book = s.book;
          px = s.close;
          seen.openTime.push(s.at);
          seen.high.push(s.high);
          seen.low.push(s.low);
        }
        if (book.open <= 0n) return;
        const ladder = ladderOfEvents(before)!;
        const best = bestSince(ladder, seen);
        expect(best).toBe(book.best);
        // The ladder's own record alone falls short of it where a new extreme moved no stop.
        if (side === 'long') expect(ladder.best).toBeLessThanOrEqual(best);
        else expect(ladder.best).toBeGreaterThanOrEqual(best);
        const r = resumeStops(params, ladder, {
          ...resumeArgs(book),
          best,
          side,
          close: px,
        });
        if (r.kind !== 'resumed') throw new Error(r.reason);
        valid(r.step.events);
        expect(r.breached).toBeNull();
        let carried = r.step.book;
        let kept = book;
        let px2 = px;
        for (let i = k; i < bars.length; i++) {
          const a = feed(kept, i, px);
          const b = feed(carried, i, px2);
          expect(shape(b.events)).toEqual(shape(a.events));
          kept = a.book;
          carried = b.book;
          px = a.close;
          px2 = b.close;
        }
        expect(carried.open).toBe(kept.open);
      }),
      { numRuns: 300 },
    );
  });
});

const resumeArgs = (book: StopBook) => ({
  positionId: 'run2-BTCUSDT-1',
  side: book.side,
  quantity: book.open,
  at: 50_000,
  close: 106.5,
  best: book.best,
  bars: book.bars,
  tickSize: fixed('0.1'),
  stepSize: fixed('0.001'),
  holding: 'engine' as const,
});

const cancelled = (book: StopBook) => ({
  positionId: book.positionId,
  symbol: book.symbol,
  legId: book.protective.legId,
  layer: book.protective.layer,
  kind: 'stop' as const,
  from: 'armed' as const,
  to: 'cancelled' as const,
  price: toText(book.protective.price!),
  quantity: toText(book.protective.quantity),
  at: 4_000,
  reason: 'position closed',
  inputs: {},
});
