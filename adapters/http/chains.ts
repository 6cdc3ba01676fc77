import type { z } from 'zod';
import type { EventLookup, EventStore } from '../../domain/events/event-store.js';
import { ChainNotFoundError, explainChain } from '../../replay/audit/explain.js';
import type { chain } from './schemas.js';

/** The API's view of replay/audit/explain.ts: the chain plus its root, undefined for an unknown id. */
export const chainExplainer =
  (store: EventStore & EventLookup) =>
  async (id: string): Promise<z.input<typeof chain> | undefined> => {
    try {
      const c = await explainChain(store, id);
      return {
        // The event that started the chain has no cause; stop updates on the same bar share the
        // correlation but are caused by earlier events, so log order alone would pick them.
        root: c.links.find((l) => l.causationId === null) ?? c.links[0] ?? null,
        query: c.query,
        correlationId: c.correlationId,
        links: c.links,
        broken: c.broken,
        bar: c.bar,
      };
    } catch (err) {
      if (err instanceof ChainNotFoundError) return undefined;
      throw err;
    }
  };
