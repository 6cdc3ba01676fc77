import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ClockSample, ExchangeClock } from './exchange-clock.js';

/** A clock the test moves; the exchange answers `ahead` ms ahead of it, `trip` ms after being asked. */
const setup = (o: { ahead: number; trip?: number; fails?: () => boolean }) => {
  let local = 1_000_000;
  const applied: number[] = [];
  const samples: ClockSample[] = [];
  const log: string[] = [];
  const clock = new ExchangeClock({
    name: 'venue',
    local: () => local,
    serverTime: async () => {
      if (o.fails?.()) throw new Error('time endpoint down');
      local += (o.trip ?? 0) / 2;
      const server = local + o.ahead;
      local += (o.trip ?? 0) / 2;
      return server;
    },
    apply: (offset) => applied.push(offset),
    onSample: (s) => samples.push(s),
    everyMs: 60_000,
    log: (l) => log.push(l),
  });
  return { clock, applied, samples, log, now: () => local };
};

describe('ExchangeClock', () => {
  it('measures the offset at the middle of the round trip, and reads the exchange’s time by it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: -60_000, max: 60_000 }),
        fc.integer({ min: 0, max: 2_000 }),
        async (ahead, half) => {
          const t = setup({ ahead, trip: 2 * half });
          const offset = 0 - ahead; // +0, not -0, when the clocks agree
          expect(await t.clock.sync()).toBe(offset);
          expect(t.applied).toEqual([offset]);
          expect(t.samples).toEqual([{ offsetMs: offset, roundTripMs: 2 * half }]);
          expect(t.clock.now()).toBe(t.now() + ahead);
        },
      ),
    );
  });

  it('signs on this machine’s clock when the exchange cannot say its time at the start, and says so', async () => {
    const t = setup({ ahead: 5_000, fails: () => true });
    await t.clock.keep();
    t.clock.stop();
    expect(t.clock.offsetMs).toBe(0);
    expect(t.log).toEqual([
      "venue: the exchange's clock could not be read (time endpoint down); signing on this machine's",
    ]);
  });

  it('runs a call refused for its timestamp once more after measuring again; anything else, or a closing session, not', async () => {
    const t = setup({ ahead: 2_000 });
    const refused = new Error('timestamp');
    let calls = 0;
    const call = async () => {
      calls++;
      if (calls === 1) throw refused;
      return 'done';
    };
    const readCode = (e: unknown) => (e === refused ? '-1021' : null);
    expect(await t.clock.retried(call, readCode, () => false)).toBe('done');
    expect(calls).toBe(2);
    expect(t.applied).toEqual([-2_000]);
    expect(t.log).toEqual(["venue: a request's timestamp was refused (-1021); measuring the clock again"]);
    calls = 0;
    await expect(t.clock.retried(call, readCode, () => true)).rejects.toBe(refused);
    calls = 0;
    await expect(
      t.clock.retried(
        call,
        () => null,
        () => false,
      ),
    ).rejects.toBe(refused);
    expect(calls).toBe(1);
    // The clock cannot be read either: the call's own refusal is what the caller gets.
    const down = setup({ ahead: 0, fails: () => true });
    calls = 0;
    await expect(down.clock.retried(call, readCode, () => false)).rejects.toBe(refused);
    expect(calls).toBe(1);
  });
});
