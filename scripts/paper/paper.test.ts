import { describe, expect, it } from 'vitest';
import { MemoryEventStore } from '../../adapters/eventstore/memory-event-store.js';
import { catalogue } from '../../domain/catalogue.js';
import { IdempotencyConflictError } from '../../domain/events/errors.js';
import { paperRunEvents } from '../../projections/testing/paper-fixture.js';
import { LogCopier } from './copier.js';
import { PaperSession, paperRunId } from './session.js';

const newStore = () => new MemoryEventStore({ catalogue: catalogue() });
const ids = (s: MemoryEventStore) => s.raw().map((e) => e.eventId);

describe('LogCopier', () => {
  it('copies in order, and after a restart resumes exactly after the prefix already in the target', async () => {
    const events = await paperRunEvents('ema-cross', 'paper-copier-test', '2023-06-08');
    const target = newStore();
    const half = Math.floor(events.length / 2);
    await new LogCopier(() => events.slice(0, half), target).flush();
    expect(target.raw().length).toBe(half);

    const resumed = new LogCopier(() => events, target);
    expect(await resumed.resume()).toBe(half);
    expect(await resumed.flush()).toBe(events.length - half);
    expect(ids(target)).toEqual(events.map((e) => e.eventId));
    expect(target.raw().map((e) => e.streamId)).toEqual(events.map((e) => e.streamId));
  });

  it('a batch straddling copied and uncopied events is refused by the store: why copying resumes at the prefix', async () => {
    const events = await paperRunEvents('ema-cross', 'paper-copier-test2', '2023-06-05');
    const i = events.findIndex((e, k) => k > 0 && events[k + 1]?.streamId === e.streamId);
    const target = newStore();
    await new LogCopier(() => events.slice(0, i + 1), target).flush();
    const batch = [events[i]!, events[i + 1]!].map(({ eventId, type, data, metadata }) => {
      const { recordedAt: _r, ...m } = metadata;
      return { eventId, type, data, metadata: m };
    });
    await expect(target.append(events[i]!.streamId, 'any', batch)).rejects.toBeInstanceOf(
      IdempotencyConflictError,
    );
  });
});

describe('PaperSession', () => {
  const opts = {
    strategyId: 'ema-cross',
    symbols: ['BTCUSDT', 'ETHUSDT'],
    from: '2023-11-15',
    warmupDays: 5,
  };

  it('has a stable run id per strategy, start and symbol set', () => {
    expect(paperRunId('ema-cross', '2023-06-01', ['ETHUSDT', 'BTCUSDT'])).toBe(
      paperRunId('ema-cross', '2023-06-01', ['BTCUSDT', 'ETHUSDT']),
    );
    expect(paperRunId('ema-cross', '2023-06-01', ['BTCUSDT'])).not.toBe(
      paperRunId('ema-cross', '2023-06-01', ['BTCUSDT', 'ETHUSDT']),
    );
    // A promoted parameter version is a run of its own; the defaults (version 0) keep the plain id.
    expect(paperRunId('ema-cross', '2023-06-01', ['BTCUSDT'], 0)).toBe(
      paperRunId('ema-cross', '2023-06-01', ['BTCUSDT']),
    );
    expect(paperRunId('ema-cross', '2023-06-01', ['BTCUSDT'], 3)).toBe(
      `${paperRunId('ema-cross', '2023-06-01', ['BTCUSDT'])}-v3`,
    );
  });

  it('a restart continues the same run: the log ends identical to an uninterrupted run, no event twice', async () => {
    // Reference: the whole run at once.
    const reference = newStore();
    const whole = new PaperSession({ ...opts, speed: 1e12, store: reference });
    await whole.prepare();
    await whole.fastForward();
    await whole.run(new AbortController().signal);
    expect(whole.status().state).toBe('finished');

    // Interrupted: paced, stopped after a while, then restarted.
    const target = newStore();
    const first = new PaperSession({ ...opts, speed: 3_600 * 40, store: target, flushMs: 20 });
    await first.prepare();
    await first.fastForward();
    const stop = new AbortController();
    const running = first.run(stop.signal);
    await new Promise((r) => setTimeout(r, 600));
    stop.abort();
    await running;
    const before = target.raw().length;
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(reference.raw().length);

    const second = new PaperSession({ ...opts, speed: 1e12, store: target });
    await second.prepare();
    expect(await second.fastForward()).toBe(before);
    await second.run(new AbortController().signal);
    expect(ids(target)).toEqual(ids(reference));
    expect(new Set(ids(target)).size).toBe(target.raw().length);
    expect(
      target
        .raw()
        .some((e) => e.type === 'RunCompleted' && (e.data as { reason: string }).reason === 'stopped'),
    ).toBe(false);
  });
});
