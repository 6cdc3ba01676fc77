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
        root: c.links[0] ?? null,
        query: c.query,
        correlationId: c.correlationId,
        links: c.links,
        broken: c.broken,
      };
    } catch (err) {
      if (err instanceof ChainNotFoundError) return undefined;
      throw err;
    }
  };
