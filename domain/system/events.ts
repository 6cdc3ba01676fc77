import { z } from 'zod';
import { defineEvent } from '../events/define-event.js';

/** Written once per node start: which build opened the log, for the audit trail of deployments. */
export const NodeStarted = defineEvent({
  type: 'NodeStarted',
  schema: z
    .object({
      nodeId: z.string().min(1),
      version: z.string().min(1),
      store: z.enum(['pglite', 'postgres', 'memory']),
      migrations: z.array(z.string()),
    })
    .strict(),
});

const feedChange = z
  .object({
    runId: z.string().min(1),
    strategyId: z.string().min(1),
    mode: z.enum(['paper', 'canary', 'live']),
    /** bars: a symbol's closed bars stopped; venue: fetching bars fails; marks: a real run's mark prices fail. */
    feed: z.enum(['bars', 'venue', 'marks']),
    symbol: z.string().min(1).nullable(),
    /** When the outage began (ms): the last bar's close, or the first failure. */
    since: z.number().int(),
    /** When the node noticed (ms, its clock). */
    at: z.number().int(),
    detail: z.string().min(1),
  })
  .strict();

/**
 * A feed a running strategy depends on stopped (design §14, market level: exchange connectivity), in stream
 * `feed-<runId>`. An observation of the node's clock, not an input of the run: the run's own log, which a
 * re-run reproduces from the bars, does not hold it.
 */
export const FeedInterrupted = defineEvent({ type: 'FeedInterrupted', schema: feedChange });

/** The same feed answers again; `since` is the outage's start, so the pair gives its length. */
export const FeedRestored = defineEvent({ type: 'FeedRestored', schema: feedChange });

export const feedStreamId = (runId: string): string => `feed-${runId}`;

export type FeedChangeData = z.infer<typeof feedChange>;

export const systemEvents = [NodeStarted, FeedInterrupted, FeedRestored] as const;
