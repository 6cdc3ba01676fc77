import { z } from 'zod';
import { defineEvent } from '../events/define-event.js';
import { dimensionNames, labelCodes } from './scan.js';
import { moodComponentNames, SENTIMENT_NAME, sentimentBands } from './sentiment.js';

/**
 * The hotlist, in stream `hotlist`: each scan's ranking with its risk labels, and the decisions only
 * a person can take on it (approve a symbol onto the whitelist, decline it, take it off again). The
 * approval records the labels the approver acknowledged. An audit can then show what the person was
 * told when they enabled the symbol.
 */

export const hotlistStreamId = 'hotlist';

const symbol = z.string().regex(/^[A-Z0-9]{2,30}$/);
const id = z.string().min(1).max(128);
const finite = z.number().finite();
const person = z.string().min(1).max(128);
const note = z.string().max(2000);

const label = z
  .object({
    code: z.enum(labelCodes),
    severity: z.enum(['info', 'warn', 'danger']),
    detail: z.string(),
  })
  .strict();

const dimension = z
  .object({ name: z.enum(dimensionNames), value: finite.nullable(), score: finite, detail: z.string() })
  .strict();

const band = z.object({ low: finite, high: finite }).strict();

const priceRange = z
  .object({
    high24h: finite,
    low24h: finite,
    sigmaHourly: finite,
    sigma24h: finite,
    returns: z.number().int().nonnegative(),
    recentSigma24h: finite,
    expected1: band,
    expected2: band,
    detail: z.string(),
  })
  .strict();

const safeLeverage = z
  .object({
    leverage: z.number().int().positive(),
    severeMove: finite,
    percentileMove: finite.nullable(),
    windows: z.number().int().nonnegative(),
    sigmaMove: finite,
    maintenanceRate: finite.nullable(),
    maxLeverage: finite.nullable(),
    bracketCap: finite.nullable(),
    capped: z.boolean(),
    detail: z.string(),
  })
  .strict();

export const sentimentSchema = z
  .object({
    name: z.literal(SENTIMENT_NAME),
    basis: z.string(),
    value: finite,
    band: z.enum(sentimentBands),
    components: z.array(
      z
        .object({
          name: z.enum(moodComponentNames),
          value: finite.nullable(),
          score: finite.nullable(),
          symbols: z.number().int().nonnegative(),
          detail: z.string(),
        })
        .strict(),
    ),
    weights: z.array(z.object({ symbol, weight: finite }).strict()),
    detail: z.string(),
  })
  .strict();

export const candidateSchema = z
  .object({
    symbol,
    score: finite,
    rank: z.number().int().positive(),
    dimensions: z.array(dimension),
    labels: z.array(label),
    turnover24h: finite,
    return24h: finite,
    lastPrice: finite,
    lastBarOpen: z.number().int(),
    bars: z.number().int().positive(),
    // Optional: scans recorded before these figures existed stay valid as they are.
    priceRange: priceRange.optional(),
    safeLeverage: safeLeverage.optional(),
  })
  .strict();

export const HotlistScanned = defineEvent({
  type: 'HotlistScanned',
  schema: z
    .object({
      scanId: id,
      /** Market time the scan looked at (epoch ms): nothing after it was read. */
      at: z.number().int(),
      /** Where the bars came from: `recorded` (../shared/data) or a venue's live feed (`binance`). */
      source: z.string().min(1),
      config: z
        .object({
          lookbackDays: finite,
          recentHours: z.number().int().positive(),
          weights: z
            .object({ 'turnover-surge': finite, volatility: finite, funding: finite, momentum: finite })
            .strict(),
          newListingDays: finite,
          minTurnover: finite,
          baseFunding: finite,
          extremeFunding: finite,
          pumpReturn: finite,
          highMaintenanceRate: finite,
        })
        .strict(),
      candidates: z.array(candidateSchema),
      skipped: z.array(z.object({ symbol, reason: z.string() }).strict()),
      /** The market's mood over the scored symbols (null: none scored); absent in scans from before it. */
      sentiment: sentimentSchema.nullable().optional(),
    })
    .strict(),
});

export const HotlistSymbolApproved = defineEvent({
  type: 'HotlistSymbolApproved',
  schema: z
    .object({
      symbol,
      scanId: id,
      approver: person,
      /** The candidate as the approver saw it: its score, rank and every label. */
      score: finite,
      rank: z.number().int().positive(),
      labels: z.array(label),
      /** The label codes the approver acknowledged; every danger label is among them. */
      acknowledged: z.array(z.enum(labelCodes)),
      note,
      /**
       * The price range, safe leverage and market mood the approver was shown beside the labels; absent
       * in approvals of scans recorded before they were computed.
       */
      priceRange: priceRange.optional(),
      safeLeverage: safeLeverage.optional(),
      sentiment: sentimentSchema.nullable().optional(),
    })
    .strict(),
});

export const HotlistSymbolDeclined = defineEvent({
  type: 'HotlistSymbolDeclined',
  schema: z.object({ symbol, scanId: id, approver: person, reason: note }).strict(),
});

export const WhitelistSymbolRemoved = defineEvent({
  type: 'WhitelistSymbolRemoved',
  schema: z.object({ symbol, approver: person, reason: note }).strict(),
});

export type HotlistScannedData = z.infer<typeof HotlistScanned.schema>;
export type HotlistSymbolApprovedData = z.infer<typeof HotlistSymbolApproved.schema>;
export type HotlistSymbolDeclinedData = z.infer<typeof HotlistSymbolDeclined.schema>;
export type WhitelistSymbolRemovedData = z.infer<typeof WhitelistSymbolRemoved.schema>;

export type HotlistEvent =
  | { readonly type: 'HotlistScanned'; readonly data: HotlistScannedData }
  | { readonly type: 'HotlistSymbolApproved'; readonly data: HotlistSymbolApprovedData }
  | { readonly type: 'HotlistSymbolDeclined'; readonly data: HotlistSymbolDeclinedData }
  | { readonly type: 'WhitelistSymbolRemoved'; readonly data: WhitelistSymbolRemovedData };

export const hotlistEventTypes: ReadonlySet<string> = new Set([
  'HotlistScanned',
  'HotlistSymbolApproved',
  'HotlistSymbolDeclined',
  'WhitelistSymbolRemoved',
]);

export const hotlistEvents = [
  HotlistScanned,
  HotlistSymbolApproved,
  HotlistSymbolDeclined,
  WhitelistSymbolRemoved,
] as const;
