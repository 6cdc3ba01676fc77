import { z } from 'zod';
import { fixed } from '../ledger/fixed.js';
import type { Instrument } from '../ledger/instrument.js';
import { instrumentListing } from '../ledger/instrument-changes.js';
import { instrumentListingSchema } from './events.js';

/**
 * An instrument whole, as a run records the listing it trades by when that is not the recorded (Binance)
 * metadata: another venue's listing, or an exchange's of today. RunStarted's `config.instruments` holds
 * one per symbol, so a re-run, the audit and the account views margin the run's positions by the grids
 * and brackets its ledger used, not by files that describe another exchange.
 */
export const instrumentRecordSchema = instrumentListingSchema
  .extend({
    // A contract the venue lists without tiers (one being delivered, one in pre-launch) holds no position,
    // but is recorded as listed.
    brackets: z.array(instrumentListingSchema.shape.brackets.element),
    venue: z.string().min(1),
    symbol: z.string().min(1),
    contractType: z.string().min(1),
    baseAsset: z.string().min(1),
    quoteAsset: z.string().min(1),
  })
  .strict();

export type InstrumentRecord = z.infer<typeof instrumentRecordSchema>;

export const instrumentRecord = (inst: Instrument): InstrumentRecord => ({
  venue: inst.venue,
  symbol: inst.symbol,
  contractType: inst.contractType,
  baseAsset: inst.baseAsset,
  quoteAsset: inst.quoteAsset,
  ...instrumentListing(inst),
});

/** Thrown for a recorded listing that cannot be read back: what was wrong, where. */
export class InstrumentRecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InstrumentRecordError';
  }
}

/**
 * A listing that may lack the identity fields: InstrumentUpdated records what orders, fills and margin
 * depend on, and a run that started on the recorded metadata recorded no identity to go with it.
 */
const listedSchema = instrumentListingSchema
  .extend({
    brackets: z.array(instrumentListingSchema.shape.brackets.element),
    venue: z.string().min(1),
    symbol: z.string().min(1),
    contractType: z.string().min(1).optional(),
    baseAsset: z.string().min(1).optional(),
    quoteAsset: z.string().min(1).optional(),
  })
  .strict();

const parseOrRefuse = <T extends z.ZodTypeAny>(schema: T, data: unknown, where: string): z.infer<T> => {
  const parsed = schema.safeParse(data);
  if (!parsed.success)
    throw new InstrumentRecordError(
      `${where}: not an instrument listing: ${parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || '(listing)'}: ${i.message}`)
        .join('; ')}`,
    );
  return parsed.data;
};

/** One recorded instrument back as the ledger's, or an error naming the field that is not one. */
export const instrumentFromRecord = (data: unknown, where: string): Instrument =>
  fromParsed(parseOrRefuse(instrumentRecordSchema, data, where));

/**
 * A listing with or without its identity back as the ledger's. Without one it is a USDT-margined
 * perpetual (the only contracts the ledger trades) whose base is the symbol less its quote: nothing the
 * margin, the grids or the fees read.
 */
export const instrumentFromListing = (data: unknown, where: string): Instrument => {
  const r = parseOrRefuse(listedSchema, data, where);
  return fromParsed({
    ...r,
    contractType: r.contractType ?? 'PERPETUAL',
    quoteAsset: r.quoteAsset ?? 'USDT',
    baseAsset: r.baseAsset ?? r.symbol.replace(/USDT$/, ''),
  });
};

const fromParsed = (r: InstrumentRecord): Instrument => {
  return {
    venue: r.venue,
    symbol: r.symbol,
    contractType: r.contractType,
    status: r.status,
    baseAsset: r.baseAsset,
    quoteAsset: r.quoteAsset,
    marginAsset: r.marginAsset,
    tickSize: fixed(r.tickSize),
    minPrice: fixed(r.minPrice),
    maxPrice: fixed(r.maxPrice),
    stepSize: fixed(r.stepSize),
    minQty: fixed(r.minQty),
    maxQty: fixed(r.maxQty),
    marketStepSize: fixed(r.marketStepSize),
    marketMinQty: fixed(r.marketMinQty),
    marketMaxQty: fixed(r.marketMaxQty),
    minNotional: fixed(r.minNotional),
    percentPriceUp: fixed(r.percentPriceUp),
    percentPriceDown: fixed(r.percentPriceDown),
    liquidationFeeRate: fixed(r.liquidationFeeRate),
    brackets: r.brackets.map((b) => ({
      bracket: b.bracket,
      initialLeverage: b.initialLeverage,
      notionalFloor: fixed(b.notionalFloor),
      notionalCap: fixed(b.notionalCap),
      maintMarginRatio: fixed(b.maintMarginRatio),
      cum: fixed(b.cum),
    })),
  };
};

/**
 * The instruments a run's RunStarted recorded (`config.instruments`), by symbol; null when it recorded
 * none (it traded by the recorded metadata). A record whose key is not its symbol is refused: the ledger
 * would book one symbol's fills on another's grid.
 */
export const recordedInstruments = (
  config: Readonly<Record<string, unknown>>,
  runId: string,
): Map<string, Instrument> | null => {
  const raw = config.instruments;
  if (raw === undefined) return null;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new InstrumentRecordError(`${runId}: config.instruments is not a listing by symbol`);
  const out = new Map<string, Instrument>();
  for (const [symbol, data] of Object.entries(raw)) {
    const inst = instrumentFromRecord(data, `${runId}: config.instruments.${symbol}`);
    if (inst.symbol !== symbol)
      throw new InstrumentRecordError(
        `${runId}: config.instruments.${symbol} is the listing of ${inst.symbol}`,
      );
    out.set(symbol, inst);
  }
  return out;
};
