import { z } from 'zod';
import { HotlistHandlers, type PersonCommand } from '../../commands/hotlist/handlers.js';
import type { EventStore } from '../../domain/events/event-store.js';
import { HotlistError } from '../../domain/hotlist/whitelist.js';
import { readHotlist } from '../../projections/hotlist/projection.js';
import type { ReadModelDb } from '../../projections/projection.js';
import { newEventId } from '../ids/event-id.js';
import { authorise, userId } from './approvers.js';
import { ApiError } from './errors.js';
import type { RouteTable } from './routes.js';

/* The hotlist (automation 10): the latest ranking with its risk labels, and the whitelist only a person changes. */

export interface HotlistRouteDeps {
  readonly db: ReadModelDb;
  readonly store: EventStore;
  readonly approvers: () => readonly string[] | null;
  /** Symbols the operator configured (PAPER_SYMBOLS): traded without the hotlist, not removable here. */
  readonly configured: readonly string[];
  /** Symbols the node's runs trade now (configured ∪ the whitelist as it stood at start). */
  readonly trading: () => readonly string[];
  readonly now?: () => number;
  /**
   * Waits (bounded) until the read model this page reads has folded everything the log holds now: a
   * decision answers once the next GET shows it, not the state before it (the read models follow the log
   * a moment behind, longer on a loaded machine). Absent: it answers at once.
   */
  readonly settled?: () => Promise<unknown>;
}

const symbol = z.string().regex(/^[A-Z0-9]{2,30}$/, 'a symbol like BTCUSDT');
const scanId = z.string().min(1).max(128);
const text = z.string().max(2000);
const reason = z.string().trim().min(1, 'say why').max(2000);

export const approveBody = z
  .object({
    symbol,
    scanId,
    approver: userId,
    /** Label codes the approver acknowledges; every danger label of the candidate must be among them. */
    acknowledged: z.array(z.string().max(64)).max(32),
    note: text.optional(),
  })
  .strict();
export const declineBody = z.object({ symbol, scanId, approver: userId, reason }).strict();
export const removeBody = z.object({ symbol, approver: userId, reason }).strict();

const label = z.object({
  code: z.string(),
  severity: z.enum(['info', 'warn', 'danger']),
  detail: z.string(),
});
const band = z.object({ low: z.number(), high: z.number() });
const priceRange = z
  .object({
    high24h: z.number(),
    low24h: z.number(),
    sigmaHourly: z.number(),
    sigma24h: z.number(),
    returns: z.number().int(),
    recentSigma24h: z.number(),
    expected1: band,
    expected2: band,
    detail: z.string(),
  })
  .describe(
    'The last 24h high/low, and the next 24h expected at the last close × exp(±kσ), σ the hourly log-return σ of the bars read × √24',
  );
const safeLeverage = z
  .object({
    leverage: z.number().int(),
    severeMove: z.number(),
    percentileMove: z.number().nullable(),
    windows: z.number().int(),
    sigmaMove: z.number(),
    maintenanceRate: z.number().nullable(),
    maxLeverage: z.number().nullable(),
    bracketCap: z.number().nullable(),
    capped: z.boolean(),
    detail: z.string(),
  })
  .describe(
    'The highest whole leverage a short survives a severe 24h move at (the larger of the 99th-percentile |24h move| and 3σ), with the first bracket’s maintenance margin, within [1, the first bracket’s cap]',
  );
const sentiment = z
  .object({
    name: z.literal('derived-fear-greed'),
    basis: z.string(),
    value: z.number(),
    band: z.enum(['extreme-fear', 'fear', 'neutral', 'greed', 'extreme-greed']),
    components: z.array(
      z.object({
        name: z.string(),
        value: z.number().nullable(),
        score: z.number().nullable(),
        symbols: z.number().int(),
        detail: z.string(),
      }),
    ),
    weights: z.array(z.object({ symbol: z.string(), weight: z.number() })),
    detail: z.string(),
  })
  .describe(
    'The market mood at the scan, 0 (fear) .. 100 (greed), derived from the scanned symbols’ own bars and funding: not the alternative.me Crypto Fear & Greed Index',
  );

export const hotlistView = z.object({
  scan: z
    .object({
      scanId: z.string(),
      at: z.string(),
      source: z.string(),
      candidates: z.array(
        z.object({
          symbol: z.string(),
          score: z.number(),
          rank: z.number().int(),
          dimensions: z.array(
            z.object({
              name: z.string(),
              value: z.number().nullable(),
              score: z.number(),
              detail: z.string(),
            }),
          ),
          labels: z.array(label),
          turnover24h: z.number(),
          return24h: z.number(),
          lastPrice: z.number(),
          lastBarOpen: z.string(),
          bars: z.number().int(),
          // Null on a scan recorded before they were computed.
          priceRange: priceRange.nullable(),
          safeLeverage: safeLeverage.nullable(),
          status: z.enum(['candidate', 'whitelisted', 'declined']),
        }),
      ),
      skipped: z.array(z.object({ symbol: z.string(), reason: z.string() })),
      sentiment: sentiment.nullable(),
    })
    .nullable(),
  whitelist: z.array(
    z.object({
      symbol: z.string(),
      approver: z.string(),
      scanId: z.string(),
      approvedAt: z.string(),
      labels: z.array(label),
      acknowledged: z.array(z.string()),
      note: z.string(),
    }),
  ),
  configured: z.array(z.string()),
  trading: z.array(z.string()),
  history: z.array(
    z.object({
      kind: z.enum(['approved', 'declined', 'removed']),
      symbol: z.string(),
      approver: z.string(),
      at: z.string(),
      scanId: z.string().nullable(),
      text: z.string(),
    }),
  ),
});
export const hotlistAction = z.object({ symbol: z.string(), event: z.string() });

export const addHotlistRoutes = (routes: RouteTable, deps: HotlistRouteDeps): void => {
  const handlers = new HotlistHandlers(deps.store, newEventId);

  routes.add({
    method: 'get',
    path: '/api/hotlist',
    cache: 'log',
    summary:
      'The latest hot-coin scan (ranking, dimensions, risk labels, price ranges, safe leverage, market sentiment), the whitelist and the decisions on it',
    response: hotlistView,
    handler: async () => ({
      ...(await readHotlist(deps.db)),
      configured: [...deps.configured],
      trading: [...deps.trading()],
    }),
  });

  const act = async (approver: string, user: string | undefined, command: PersonCommand) => {
    authorise(deps.approvers(), approver, user);
    try {
      const d = await handlers.decide(command, (deps.now ?? Date.now)());
      if (d.events.length > 0) await deps.settled?.();
      return { symbol: command.symbol, event: d.events[0]?.type ?? 'none' };
    } catch (err) {
      // The decider's refusals are the client's to fix: a stale scan, a missing acknowledgement, ...
      if (err instanceof HotlistError) throw new ApiError(422, err.rule, err.message);
      throw err;
    }
  };

  routes.add({
    method: 'post',
    path: '/api/hotlist/approve',
    summary:
      'Put a candidate of the latest scan on the whitelist (header x-perpetua-user: an approver; every danger label acknowledged)',
    body: approveBody,
    response: hotlistAction,
    errors: [403, 422],
    handler: ({ body }, c) => {
      // The operator's own symbols are traded whatever the hotlist says: approving one would record a
      // decision that changes nothing.
      if (deps.configured.includes(body.symbol)) {
        authorise(deps.approvers(), body.approver, c.req.header('x-perpetua-user'));
        throw new ApiError(
          422,
          'configured',
          `${body.symbol} is configured (PAPER_SYMBOLS): it is traded without the hotlist`,
        );
      }
      return act(body.approver, c.req.header('x-perpetua-user'), {
        kind: 'ApproveSymbol',
        approver: body.approver,
        symbol: body.symbol,
        scanId: body.scanId,
        acknowledged: body.acknowledged,
        note: body.note ?? '',
      });
    },
  });
  routes.add({
    method: 'post',
    path: '/api/hotlist/decline',
    summary: 'Decline a candidate of the latest scan, with a reason (header x-perpetua-user: an approver)',
    body: declineBody,
    response: hotlistAction,
    errors: [403, 422],
    handler: ({ body }, c) =>
      act(body.approver, c.req.header('x-perpetua-user'), {
        kind: 'DeclineSymbol',
        approver: body.approver,
        symbol: body.symbol,
        scanId: body.scanId,
        reason: body.reason,
      }),
  });
  routes.add({
    method: 'post',
    path: '/api/hotlist/remove',
    summary: 'Take a symbol off the whitelist, with a reason (header x-perpetua-user: an approver)',
    body: removeBody,
    response: hotlistAction,
    errors: [403, 422],
    handler: ({ body }, c) =>
      act(body.approver, c.req.header('x-perpetua-user'), {
        kind: 'RemoveSymbol',
        approver: body.approver,
        symbol: body.symbol,
        reason: body.reason,
      }),
  });
};
