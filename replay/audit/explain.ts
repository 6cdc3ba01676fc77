import type { RecordedEvent } from '../../domain/events/envelope.js';
import type { EventLookup, EventStore } from '../../domain/events/event-store.js';
import { venueRules } from '../../domain/ledger/venue.js';
import { barStreamId } from '../../domain/market/events.js';
import { isTimeframe } from '../../domain/market/timeframe.js';
import { DeterministicIds } from '../../domain/strategy/deterministic-id.js';

export interface ChainLink {
  readonly globalPosition: number;
  readonly eventId: string;
  readonly type: string;
  readonly streamId: string;
  readonly occurredAt: string;
  readonly actor: string;
  readonly causationId: string | null;
  /** One line a person can read: what the event says, with its numbers. */
  readonly summary: string;
  readonly data: unknown;
}

export interface BrokenLink {
  readonly eventId: string;
  readonly missingCausationId: string;
  readonly detail: string;
}

export interface DecisionChain {
  readonly query: string;
  readonly correlationId: string;
  readonly links: ChainLink[];
  readonly broken: BrokenLink[];
  /**
   * The bar the chain's observation names, as the log recorded it when a live feed gave it to the run
   * (BarClosed); null when the bar came from the data files, which the log does not hold.
   */
  readonly bar: ChainLink | null;
}

export class ChainNotFoundError extends Error {
  constructor(id: string) {
    super(`no event, order or correlation id matches "${id}"`);
    this.name = 'ChainNotFoundError';
  }
}

type D = Record<string, unknown>;
const s = (x: unknown) => (x === null || x === undefined ? '—' : String(x));
const fmt = (x: unknown) =>
  typeof x === 'number' ? (Number.isInteger(x) ? String(x) : x.toPrecision(6)) : s(x);

const features = (f: unknown): string =>
  Object.entries((f ?? {}) as D)
    .map(([k, v]) => `${k}=${fmt(v)}`)
    .join(', ');

/** The sentence for each event type a decision chain can hold. Unknown types fall back to their fields. */
const UNBOOKED: Record<string, string> = {
  'forced-fill': 'closing trade',
  funding: 'funding',
  'clearance-fee': 'liquidation clearance fee',
};

const LISTING_PROMPT: Record<string, string> = {
  scheduled: 'found at the run’s hourly look',
  'fill-off-grid': 'a fill came between the ticks the run held',
  'order-refused': 'the exchange refused an order by its listed rules',
};

export const summarise = (e: RecordedEvent): string => {
  const d = e.data as D;
  switch (e.type) {
    case 'SignalEmitted': {
      const o = d.observation as D;
      const tick = o.tick as D | undefined;
      const saw = tick
        ? `a ${o.symbol} ${tick.kind} at ${new Date(Number(tick.time)).toISOString()} (in the ${o.timeframe} bar opened ${new Date(Number(o.openTime)).toISOString()})`
        : `${o.symbol} ${o.timeframe} bar ${new Date(Number(o.openTime)).toISOString()}`;
      return `${d.strategyId}@${d.strategyVersion} (params v${d.paramsVersion}) saw ${saw} → ${d.side} (strength ${fmt(d.strength)}); features: ${features(d.features)}`;
    }
    case 'PositionSized': {
      const r = d.result as D;
      const i = d.inputs as D;
      // What the leverage tier and the risk fraction were read from (the percentile, the regime, the
      // strategy's record): a reviewer asking "why this size" needs them in the sentence.
      const pct =
        typeof i.volPercentile === 'number' ? ` (p${Math.round(i.volPercentile * 100)} of its last 500)` : '';
      const k = i.kelly as D | null;
      const kelly =
        k === null || k === undefined
          ? ''
          : `, Kelly p ${fmt(k.winRate)} R ${fmt(k.payoff)}${k.trades === undefined ? '' : ` over ${k.trades} trades`} → risk ${fmt((r.riskFraction as number) * 100)} % of equity`;
      return `sized ${d.side} ${d.symbol}: equity ${fmt(i.equity)}, σ ${fmt(i.realisedVol)}${pct}, regime ${i.regime ?? 'unknown'}, stop distance ${fmt(i.stopDistance)}${kelly} → weight ${fmt(r.weight)}, leverage ${fmt(r.leverage)} (tier ${fmt(r.tierLeverage)}, bracket ${fmt(r.bracketLeverage)}), notional ${fmt(r.notional)} (bound by ${s(r.binding)}), quantity ${s(r.quantity)}`;
    }
    case 'RiskDecided': {
      const checks = (d.checks as D[]) ?? [];
      const lines = checks
        .filter((c) => c.verdict !== 'not-applicable')
        .map(
          (c) =>
            `${c.rule} [${c.verdict}] threshold ${fmt(c.threshold)} ${s(c.unit)}, seen ${fmt(c.requested)}${c.approved !== c.requested ? ` → ${fmt(c.approved)}` : ''}`,
        );
      const intent = d.intent as D;
      return `risk ${String(d.outcome).toUpperCase()} ${intent.side} ${intent.quantity} ${d.symbol} → approved ${d.approvedQuantity}; ${checks.length} rules: ${lines.join('; ')}`;
    }
    case 'OrderRequested':
      return `order ${d.orderId}: ${d.side} ${d.type} ${d.quantity} ${d.symbol}${d.price ? ` @ ${d.price}` : ''}${d.stopPrice ? ` stop ${d.stopPrice}` : ''}${d.reduceOnly ? ' reduce-only' : ''}`;
    case 'OrderRefused':
      return `NOT SENT: ${d.side} ${d.type} ${d.quantity} ${d.symbol}${d.price ? ` @ ${d.price}` : ''}${d.stopPrice ? ` stop ${d.stopPrice}` : ''}${d.reduceOnly ? ' reduce-only' : ''} refused by the venue's listed rules before it was sent (${d.reason})`;
    case 'OrderAccepted':
      return `venue accepted ${d.orderId} as ${d.venueOrderId}`;
    case 'OrderRejected':
      return `venue rejected ${d.orderId}: ${d.reason}`;
    case 'OrderTriggered':
      return `${d.orderId} triggered at ${d.triggerPrice}`;
    case 'OrderFilled':
      return `filled ${d.quantity} @ ${d.price} (${d.liquidity}); ${d.filledQuantity} filled, ${d.remainingQuantity} left`;
    case 'FillSettled':
      return d.forced === undefined
        ? `booked: position ${d.symbol} now ${d.positionQuantity} @ entry ${d.entryPrice}, realised PnL ${d.realisedPnl}`
        : `CLOSED BY THE EXCHANGE (${FORCED[String(d.forced)] ?? d.forced}): ${d.side} ${d.quantity} ${d.symbol} @ ${d.price}; position now ${d.positionQuantity}, realised PnL ${d.realisedPnl}`;
    case 'FeeCharged': {
      const paid = d.paidIn as { asset: string; amount: string } | undefined;
      if (paid === undefined && String(d.amount).startsWith('-'))
        return `maker rebate ${String(d.amount).slice(1)} paid to the account (rate ${d.rate} on ${d.notional})`;
      return paid === undefined
        ? `fee ${d.amount} (${d.reason}, rate ${d.rate} on ${d.notional})`
        : `fee paid in ${paid.asset}: ${paid.amount} ${paid.asset}, worth ${d.amount} (${d.reason}, rate ${d.rate} on ${d.notional}); the wallet did not pay it`;
    }
    case 'FeeRatesSet':
      return `the account's own commission rates on ${d.symbol}: maker ${d.makerRate}, taker ${d.takerRate} (as the exchange lists them; they replace the fee tier's)`;
    case 'PositionTakenOver':
      return `CARRIED ON: took over ${d.symbol} ${d.quantity} at its cost (entry ${d.entryPrice}) from ${d.fromAccount}, which held it on the exchange; no trade, nothing realised`;
    case 'PositionHandedOver':
      return `HANDED OVER: ${d.symbol} ${d.quantity} (entry ${d.entryPrice}) to ${d.toAccount}, the run that carries it on; no trade, nothing realised`;
    case 'SymbolSetAside':
      return `SET ASIDE: ${d.symbol} published no bar for ${Math.round(Number(d.waitedMs) / 60_000)} min past its next close (last bar closed ${new Date(Number(d.lastBarClose)).toISOString()}): ${d.why}; the run trades on without it, position ${d.position} left to its stops on the venue's marks`;
    case 'FeedInterrupted':
      return `FEED DOWN (${d.feed}${d.symbol ? ` ${d.symbol}` : ''}) since ${new Date(Number(d.since)).toISOString()}, noticed ${new Date(Number(d.at)).toISOString()}: ${d.detail}`;
    case 'VenueHealthChanged':
      return `VENUE ${d.state === 'degraded' ? 'DEGRADED' : 'WELL AGAIN'} (${d.venue} ${d.aspect}) since ${new Date(Number(d.since)).toISOString()}: ${d.detail}`;
    case 'FeedRestored':
      return `FEED BACK (${d.feed}${d.symbol ? ` ${d.symbol}` : ''}) after ${Math.round((Number(d.at) - Number(d.since)) / 60_000)} min: ${d.detail}`;
    case 'SymbolRejoined':
      return `REJOINED: ${d.symbol} publishes bars again; the run replays them from the bar opening ${new Date(Number(d.firstBarOpen)).toISOString()}, and skipped ${d.skippedBars} bar(s) that closed by ${new Date(Number(d.runAt)).toISOString()}, the time it had reached (position ${d.position})`;
    case 'InstrumentUpdated':
      return `LISTING CHANGED on the exchange (${LISTING_PROMPT[String(d.prompt)] ?? d.prompt}): ${(d.changes as string[]).join('; ')}; the run trades and books by it from here`;
    case 'ExchangeRecordUnbooked':
      return `NOT BOOKED: the exchange's ${UNBOOKED[String(d.record)] ?? d.record} ${d.amount} ${d.unit} on ${d.symbol} (${d.ref}): ${d.why}`;
    case 'FundingPaid':
      return d.source === 'venue'
        ? `funding ${d.amount} as the exchange charged it (position ${d.positionQuantity}; the feed's rate ${d.rate}, mark ${d.markPrice})`
        : `funding ${d.amount} at rate ${d.rate}, mark ${d.markPrice}, position ${d.positionQuantity}`;
    case 'PositionLiquidated':
      return `LIQUIDATED ${d.quantity} ${d.symbol} at mark ${d.markPrice}: margin ${d.marginBalance} ≤ maintenance ${d.maintenanceMargin}`;
    case 'StopAdjusted':
      return `${d.layer} ${d.kind} ${d.action}: ${s(d.previousPrice)} → ${s(d.price)} for ${d.quantity} (${d.holding}-held); inputs ${features(d.inputs)}`;
    case 'BarClosed':
      return `${d.venue} ${d.symbol} ${d.timeframe} bar ${new Date(Number(d.openTime)).toISOString()}: open ${fmt(d.open)}, high ${fmt(d.high)}, low ${fmt(d.low)}, close ${fmt(d.close)}, volume ${fmt(d.volume)}`;
    case 'FundingRatePublished':
      return `${d.venue} ${d.symbol} funding rate ${fmt(d.rate)} at ${new Date(Number(d.fundingTime)).toISOString()}`;
    case 'StopStatusChanged':
      return `${d.layer} ${d.kind} ${d.from} → ${d.to} at ${s(d.price)}: ${d.reason}`;
    default:
      return JSON.stringify(d).slice(0, 200);
  }
};

const link = (e: RecordedEvent): ChainLink => ({
  globalPosition: e.globalPosition,
  eventId: e.eventId,
  type: e.type,
  streamId: e.streamId,
  occurredAt: e.metadata.occurredAt,
  actor: e.metadata.actor,
  causationId: e.metadata.causationId,
  summary: summarise(e),
  data: e.data,
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The whole decision chain behind an order, an event or a market observation: every event that shares
 * the correlationId, in log order, each with a readable summary. A causation that points at an event
 * the log does not have is reported as broken, naming the missing id.
 */
export const explainChain = async (store: EventStore & EventLookup, id: string): Promise<DecisionChain> => {
  let correlationId: string | null = null;
  if (UUID.test(id)) correlationId = (await store.readById(id))?.metadata.correlationId ?? null;
  if (correlationId === null) {
    const order = await store.readStream(`order-${id}`, { limit: 1 });
    if (order[0]) correlationId = order[0].metadata.correlationId;
  }
  if (correlationId === null && (await store.readByCorrelation(id, 1)).length > 0) correlationId = id;
  if (correlationId === null) throw new ChainNotFoundError(id);

  const events = await store.readByCorrelation(correlationId);
  const have = new Set(events.map((e) => e.eventId));
  const broken: BrokenLink[] = [];
  for (const e of events) {
    const c = e.metadata.causationId;
    if (c === null || have.has(c)) continue;
    // A cause outside the chain is fine (a stop placed by an earlier fill); a cause nowhere is not.
    if (!(await store.readById(c))) {
      broken.push({
        eventId: e.eventId,
        missingCausationId: c,
        detail: `${e.type} at position ${e.globalPosition} names cause ${c}, which is not in the log`,
      });
    }
  }
  return {
    query: id,
    correlationId,
    links: events.map(link),
    broken,
    bar: await recordedBar(store, correlationId),
  };
};

/** A bar observation's BarClosed, looked up by its id (a function of the stream and the bar's open time). */
const recordedBar = async (
  store: EventStore & EventLookup,
  correlationId: string,
): Promise<ChainLink | null> => {
  const obs = /^obs:([^:]+):([^:]+):(\d+)$/.exec(correlationId);
  if (!obs || !isTimeframe(obs[2]!)) return null;
  for (const venue of Object.keys(venueRules)) {
    const stream = barStreamId(venue, obs[1]!, obs[2]!);
    const e = await store.readById(new DeterministicIds(stream).next(Number(obs[3])));
    if (e && e.streamId === stream) return link(e);
  }
  return null;
};

/** The chain as text for a terminal. */
export const formatChain = (c: DecisionChain): string => {
  const lines = [
    `decision chain ${c.correlationId} (${c.links.length} events)${c.query !== c.correlationId ? ` for ${c.query}` : ''}`,
  ];
  const obs = /^obs:([^:]+):([^:]+):(\d+)$/.exec(c.correlationId);
  if (obs) {
    const when = new Date(Number(obs[3])).toISOString();
    const tick = obs[2] === 'trade' || obs[2] === 'book' || obs[2] === 'fill';
    lines.push(`  observation  ${obs[1]} ${obs[2]} ${tick ? 'at' : 'bar opened'} ${when}`);
  }
  if (c.bar)
    lines.push(`  market       ${c.bar.summary} (recorded as the feed gave it, #${c.bar.globalPosition})`);
  const w = Math.max(...c.links.map((l) => l.type.length), 10);
  for (const l of c.links)
    lines.push(`  #${String(l.globalPosition).padEnd(7)} ${l.type.padEnd(w)}  ${l.summary}`);
  if (c.broken.length === 0) lines.push('  chain complete: every cause is in the log');
  else for (const b of c.broken) lines.push(`  BROKEN: ${b.detail}`);
  return lines.join('\n');
};

/** The exchange's own closing orders (FillSettled.forced), in a reviewer's words. */
const FORCED: Readonly<Record<string, string>> = {
  liquidation: 'liquidation: the margin ran out',
  adl: 'auto-deleveraging against a bankrupt position',
  settlement: 'delisting settlement',
};
