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

/**
 * The real account's venue got slow, lost its user stream or stopped the node for its rate limits, or is
 * well again (design §14, market level: connectivity, matching latency, rate limits), in stream
 * `venue-<venue>`. Observed by the node: the round trips of the orders it places and cancels, the stream
 * its fills arrive by, the exchange's 429 and 418 answers, and its clock. v2 added the `rate-limit` and
 * `clock` aspects; a v1 event is a v2 one as it is.
 */
export const VenueHealthChanged = defineEvent({
  type: 'VenueHealthChanged',
  schemaVersion: 2,
  upcasters: { 1: (d) => d },
  schema: z
    .object({
      venue: z.string().min(1),
      /**
       * latency: the 90th percentile round trip of placing and cancelling; user-stream: the account's
       * reports; rate-limit: the exchange said stop (429) or banned the IP (418), and nothing is sent;
       * clock: this machine's clock is a second or more off the exchange's (requests are signed on the
       * exchange's, but the host's time sync is broken).
       */
      aspect: z.enum(['latency', 'user-stream', 'rate-limit', 'clock']),
      state: z.enum(['degraded', 'normal']),
      /** When the degradation began (ms): for `normal`, the start of the episode it ends. */
      since: z.number().int(),
      at: z.number().int(),
      detail: z.string().min(1),
      latency: z
        .object({
          p50Ms: z.number().finite().nonnegative(),
          p90Ms: z.number().finite().nonnegative(),
          calls: z.number().int().positive(),
          degradedMs: z.number().finite().positive(),
          recoverMs: z.number().finite().positive(),
        })
        .strict()
        .optional(),
      /** For clock: this machine's clock minus the exchange's (ms). */
      clock: z.object({ offsetMs: z.number().int() }).strict().optional(),
      /** For rate-limit: the exchange's answer and when it lets calls through again (ms). */
      rate: z
        .object({ status: z.union([z.literal(429), z.literal(418)]), until: z.number().int() })
        .strict()
        .optional(),
    })
    .strict(),
});

export const venueStreamId = (venue: string): string => `venue-${venue}`;

export type VenueHealthChangedData = z.infer<typeof VenueHealthChanged.schema>;

export const systemEvents = [NodeStarted, FeedInterrupted, FeedRestored, VenueHealthChanged] as const;
