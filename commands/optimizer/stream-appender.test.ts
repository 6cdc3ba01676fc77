import { uuidv7 } from 'uuidv7';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryEventStore } from '../../adapters/eventstore/memory-event-store.js';
import { catalogue } from '../../domain/catalogue.js';
import type { NewEvent } from '../../domain/events/envelope.js';
import type { AppendResult, EventStore } from '../../domain/events/event-store.js';
import { StreamAppender } from './stream-appender.js';

const event = (n: number): NewEvent => ({
  eventId: uuidv7(),
  type: 'NodeStarted',
  data: { nodeId: `n${n}`, version: '0.0.0', store: 'memory', migrations: [] },
  metadata: {
    correlationId: 'c',
    causationId: null,
    actor: 'system:test',
    mode: 'backtest',
    occurredAt: '2023-01-01T00:00:00.000Z',
  },
});

/** Counts the appends a StreamAppender makes, and how many events each carried. */
const counting = () => {
  const store = new MemoryEventStore({ catalogue: catalogue() });
  const batches: number[] = [];
  const spy: EventStore = Object.create(store);
  spy.append = (streamId, expected, events): Promise<AppendResult> => {
    batches.push(events.length);
    return store.append(streamId, expected, events);
  };
  return { store, spy, batches };
};

describe('StreamAppender', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('without a linger, appends the first event at once and batches what arrives meanwhile', async () => {
    const { store, spy, batches } = counting();
    const a = new StreamAppender(spy, 's-1', 0);
    for (let i = 0; i < 5; i++) a.push(event(i));
    await a.drain();
    expect(batches).toEqual([1, 4]);
    expect((await store.readStream('s-1')).map((e) => (e.data as { nodeId: string }).nodeId)).toEqual([
      'n0',
      'n1',
      'n2',
      'n3',
      'n4',
    ]);
  });

  it('with a linger, holds the first event until others join it, then appends them as one', async () => {
    vi.useFakeTimers();
    const { store, spy, batches } = counting();
    const a = new StreamAppender(spy, 's-2', 0, 256, 100);
    a.push(event(0));
    await vi.advanceTimersByTimeAsync(60);
    expect(batches).toEqual([]);
    a.push(event(1));
    a.push(event(2));
    await vi.advanceTimersByTimeAsync(40);
    expect(batches).toEqual([3]);
    expect(await store.readStream('s-2')).toHaveLength(3);
  });

  it('with a linger, a full batch goes at once and drain appends what waits without waiting', async () => {
    vi.useFakeTimers();
    const { store, spy, batches } = counting();
    const a = new StreamAppender(spy, 's-3', 0, 3, 10_000);
    for (let i = 0; i < 3; i++) a.push(event(i));
    await vi.advanceTimersByTimeAsync(0);
    expect(batches).toEqual([3]);
    a.push(event(3));
    await a.drain();
    expect(batches).toEqual([3, 1]);
    expect(await store.readStream('s-3')).toHaveLength(4);
  });

  it('a refused append fails the next push and the drain, and writes nothing more', async () => {
    const { store, spy } = counting();
    await store.append('s-4', 'no_stream', [event(99)]);
    // The appender believes the stream is new: its expected version is wrong.
    const a = new StreamAppender(spy, 's-4', 0, 256, 5);
    a.push(event(0));
    await expect(a.drain()).rejects.toThrow();
    expect(() => a.push(event(1))).toThrow();
    expect(await store.readStream('s-4')).toHaveLength(1);
  });
});
