import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Fixed, fixed, toText } from '../ledger/fixed.js';
import { neutralInputs } from './adaptive.js';
import { toNumber } from './num.js';
import {
  onBar,
  onExitFilled,
  onPrint,
  openStops,
  type StopBook,
  type StopEvent,
  type StopStatus,
} from './stops.js';
import {
  stopBar as bar,
  openAt as open,
  stopParams as params,
  parseStopEvents as parse,
} from './test-stops.js';

const price = (x: Fixed | null) => (x === null ? null : toText(x));

describe('multi-layer stops', () => {
  it('worked example (long): initial, take-profit ladder, break-even, chandelier, exit', () => {
    let s = openStops(params, open());
    parse(s.events);
    expect(price(s.book.protective.price)).toBe('96');
    expect(s.book.risk).toBeCloseTo(4, 12);
    expect(s.book.takeProfits.map((l) => [price(l.price), toText(l.quantity)])).toEqual([
      ['104', '0.5'],
      ['108', '0.25'],
    ]);
    expect(s.events.map((e) => e.type)).toEqual([
      'StopAdjusted',
      'StopAdjusted',
      'StopAdjusted',
      'StopAdjusted',
    ]);

    s = onBar(params, s.book, bar(1, 101, 99, 100.5));
    expect(s.events).toEqual([]);

    s = onBar(params, s.book, bar(2, 104.5, 100, 104));
    parse(s.events);
    expect(s.events.map((e) => `${e.type}:${e.data.legId}:${e.data.layer}`)).toEqual([
      'StopStatusChanged:p1:tp1:take-profit',
      'StopAdjusted:p1:stop:break-even',
    ]);
    expect(price(s.book.protective.price)).toBe('100.4');

    s = onExitFilled(s.book, 'p1:tp1', fixed('0.5'), 3);
    parse(s.events);
    expect(toText(s.book.open)).toBe('0.5');
    expect(toText(s.book.protective.quantity)).toBe('0.5');

    s = onBar(params, s.book, bar(4, 110, 104, 109));
    parse(s.events);
    expect(s.book.takeProfits[1]!.status).toBe('triggered');
    expect(s.book.protective.layer).toBe('chandelier');
    expect(price(s.book.protective.price)).toBe('104');
    const moved = s.events.find((e) => e.type === 'StopAdjusted')!;
    expect(moved.data).toMatchObject({ previousPrice: '100.4', price: '104', action: 'moved' });
    expect(moved.data.inputs).toMatchObject({ best: 110, atr: 2, multiplier: 6 / 2, factor: 1 });

    s = onExitFilled(s.book, 'p1:tp2', fixed('0.25'), 5);
    s = onBar(params, s.book, bar(6, 109.5, 103.9, 104.5));
    expect(s.book.protective.status).toBe('triggered');
    s = onExitFilled(s.book, 'p1:stop', fixed('0.25'), 7);
    parse(s.events);
    expect(s.book.open).toBe(0n);
    expect(s.book.protective.status).toBe('filled');
    expect(s.book.timeStop!.status).toBe('cancelled');
  });

  it('short side mirrors; a bar touching stop and target assumes the stop', () => {
    let s = openStops(params, open({ side: 'short' }));
    expect(price(s.book.protective.price)).toBe('104');
    expect(price(s.book.takeProfits[0]!.price)).toBe('96');
    s = onBar(params, s.book, bar(1, 104.5, 95, 99));
    expect(s.book.protective.status).toBe('triggered');
    expect(s.book.takeProfits[0]!.status).toBe('armed');
  });

  it('venue-held legs are not triggered by the engine; a venue fill goes armed → triggered → filled', () => {
    const venue = { ...params, holding: 'venue' as const };
    let s = openStops(venue, open());
    s = onBar(venue, s.book, bar(1, 101, 90, 95));
    expect(s.book.protective.status).toBe('armed');
    s = onExitFilled(s.book, 'p1:stop', fixed('1'), 2);
    expect(
      s.events
        .filter((e) => e.type === 'StopStatusChanged' && e.data.legId === 'p1:stop')
        .map((e) => (e.type === 'StopStatusChanged' ? e.data.to : '')),
    ).toEqual(['triggered', 'filled']);
    expect(s.book.takeProfits.every((l) => l.status === 'cancelled')).toBe(true);
  });

  it('prints: a trade at or through a level triggers it, the stop before any target; nothing else moves', () => {
    const s = openStops(params, open());
    // Between the stop (96) and the first target (104): the same book back, no events.
    const quiet = onPrint(s.book, { at: 1, price: 103.9 });
    expect(quiet.book).toBe(s.book);
    expect(quiet.events).toEqual([]);
    // At the first target exactly: it triggers; the second (108) does not, nor does the excursion move.
    const tp = onPrint(s.book, { at: 2, price: 104 });
    parse(tp.events);
    expect(
      tp.events.map((e) => `${e.data.legId}:${e.type === 'StopStatusChanged' ? e.data.to : ''}`),
    ).toEqual(['p1:tp1:triggered']);
    expect(tp.book.takeProfits.map((l) => l.status)).toEqual(['triggered', 'armed']);
    expect(tp.book.best).toBe(s.book.best);
    expect(tp.book.bars).toBe(s.book.bars);
    // A print through both targets triggers both.
    expect(onPrint(s.book, { at: 3, price: 108.5 }).events).toHaveLength(2);
    // At the stop: the stop alone.
    const stop = onPrint(tp.book, { at: 4, price: 96 });
    expect(stop.events.map((e) => e.data.legId)).toEqual(['p1:stop']);
    expect(stop.book.protective.status).toBe('triggered');
    // Once triggered, the book no longer reacts; nor does a short book to a print on the wrong side.
    expect(onPrint(stop.book, { at: 5, price: 90 }).events).toEqual([]);
    const short = openStops(params, open({ side: 'short' }));
    expect(onPrint(short.book, { at: 1, price: 103.9 }).events).toEqual([]);
    expect(onPrint(short.book, { at: 1, price: 104 }).events.map((e) => e.data.legId)).toEqual(['p1:stop']);
    expect(onPrint(short.book, { at: 1, price: 96 }).events.map((e) => e.data.legId)).toEqual(['p1:tp1']);
    // Venue-held legs are the venue's to trigger.
    const venue = openStops({ ...params, holding: 'venue' }, open());
    expect(onPrint(venue.book, { at: 1, price: 80 }).events).toEqual([]);
  });

  it('time stop fires when the trade has not progressed', () => {
    let s = openStops(params, open());
    for (let i = 1; i <= 20; i++) s = onBar(params, s.book, bar(i, 100.5, 99.5, 100));
    expect(s.book.timeStop!.status).toBe('triggered');
  });

  it('adaptive: high volatility widens, drawdown tightens, within bounds', () => {
    const wide = openStops(params, open({ conditions: { ...neutralInputs, volPercentile: 1 } }));
    expect(price(wide.book.protective.price)).toBe('94.8');
    const tight = openStops(params, open({ conditions: { ...neutralInputs, drawdown: 0.9 } }));
    // factor 1 − 2 × 0.9 < 0 is clamped at min 0.5: stop at 100 − 2 × 0.5 × 2 = 98.
    expect(price(tight.book.protective.price)).toBe('98');
  });

  it('adaptive: a trend widens the stop of a position going with it, and tightens one against it', () => {
    const at = (side: 'long' | 'short', regime: 'trend_up' | 'trend_down') =>
      price(
        openStops(params, open({ side, conditions: { ...neutralInputs, regime } })).book.protective.price,
      );
    // 2 ATR of 2 from 100, × 1.15 with the trend, × 0.85 against it.
    expect(at('long', 'trend_up')).toBe('95.4');
    expect(at('long', 'trend_down')).toBe('96.6');
    expect(at('short', 'trend_down')).toBe('104.6');
    expect(at('short', 'trend_up')).toBe('103.4');
  });

  const path = fc.array(
    fc.record({
      move: fc.double({ min: -0.03, max: 0.03, noNaN: true }),
      range: fc.double({ min: 0, max: 0.03, noNaN: true }),
      vol: fc.option(fc.double({ min: 0, max: 1, noNaN: true })),
      dd: fc.option(fc.double({ min: 0, max: 0.5, noNaN: true })),
      regime: fc.constantFrom('trend_up' as const, 'trend_down' as const, 'range' as const, null),
      atrPct: fc.double({ min: 0.002, max: 0.05, noNaN: true }),
    }),
    { minLength: 1, maxLength: 80 },
  );

  it('the protective stop only moves in the protective direction and never past the initial risk', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('long' as const, 'short' as const),
        path,
        fc.constantFrom('engine' as const, 'venue' as const),
        (side, bars, holding) => {
          const p = { ...params, holding };
          let s = openStops(p, open({ side }));
          const initial = toNumber(s.book.initialStop);
          let last = initial;
          let px = 100;
          const statuses = new Map<string, StopStatus>();
          const allowed: Record<StopStatus, StopStatus[]> = {
            armed: ['triggered', 'cancelled'],
            triggered: ['filled', 'cancelled'],
            filled: [],
            cancelled: [],
          };
          const track = (events: readonly StopEvent[]) => {
            parse(events);
            for (const e of events) {
              if (e.type === 'StopStatusChanged') {
                expect(allowed[statuses.get(e.data.legId) ?? 'armed']).toContain(e.data.to);
                statuses.set(e.data.legId, e.data.to);
              } else if (e.data.kind === 'stop' && e.data.action === 'moved') {
                const next = Number(e.data.price);
                const d = side === 'long' ? 1 : -1;
                expect(d * (next - last)).toBeGreaterThan(0);
                expect(d * (next - initial)).toBeGreaterThan(0);
                last = next;
              }
            }
          };
          track(s.events);
          bars.forEach((b, i) => {
            const next = px * (1 + b.move);
            const high = Math.max(px, next) * (1 + b.range);
            const low = Math.min(px, next) * (1 - b.range);
            px = next;
            s = onBar(p, s.book, {
              at: i + 1,
              high,
              low,
              close: next,
              atr: next * b.atrPct,
              conditions: { volPercentile: b.vol, drawdown: b.dd, equitySlope: b.move, regime: b.regime },
            });
            track(s.events);
            // The engine fills every triggered exit at once, as a simulated venue would.
            const triggered = [s.book.protective, ...s.book.takeProfits, s.book.timeStop].filter(
              (l): l is NonNullable<typeof l> => l !== null && l.status === 'triggered',
            );
            for (const l of triggered) {
              if (s.book.open <= 0n || l.status !== 'triggered') continue;
              const leg = [s.book.protective, ...s.book.takeProfits, s.book.timeStop].find(
                (x) => x?.legId === l.legId,
              )!;
              if (leg.status !== 'triggered') continue;
              s = onExitFilled(s.book, l.legId, leg.quantity, i + 1);
              track(s.events);
            }
          });
          expect(s.book.open >= 0n).toBe(true);
          const book: StopBook = s.book;
          if (book.open === 0n) {
            for (const l of [book.protective, ...book.takeProfits, book.timeStop]) {
              if (l) expect(['filled', 'cancelled']).toContain(l.status);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
