import type { RecordedEvent } from '../../domain/events/envelope.js';
import { dataOf, rec } from '../support.js';

const s = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

/** `, by bybit's listing` for a run that recorded its venue's instruments: a reviewer sees whose grids it traded on. */
const listedBy = (config: unknown): string => {
  const inst = (config as { instruments?: Record<string, { venue?: unknown }> } | null)?.instruments;
  const venue = inst ? Object.values(inst)[0]?.venue : undefined;
  return typeof venue === 'string' ? `, by ${venue}'s listing` : '';
};

/** `symbol BTCUSDT maxLeverage 3`: the layer a limit change replaced and what it holds now. */
const limitsLine = (d: Record<string, unknown>): string => {
  const named = Object.entries(rec(d.limits)).map(
    ([k, v]) => `${k} ${Array.isArray(v) ? `[${v.join(', ')}]` : s(v)}`,
  );
  const layer = `${s(d.scope)}${d.key ? ` ${s(d.key)}` : ''}`;
  // An empty change means a different thing per layer: the built-in defaults, or no override at all.
  if (named.length === 0) return `${layer} ${d.scope === 'defaults' ? 'back to built-in' : 'removed'}`;
  return `${layer} ${named.join(', ')}`;
};

/** One line a person reads in the timeline; the event itself is one click away. */
export const summarise = (e: RecordedEvent): string => {
  const d = dataOf(e);
  switch (e.type) {
    case 'SignalEmitted': {
      const o = rec(d.observation);
      return `${s(d.strategyId)} ${s(d.side)} ${s(o.symbol)} ${s(o.timeframe)} strength ${s(d.strength)}`;
    }
    case 'PositionSized':
      return `sized ${s(d.symbol)} ${s(d.side)} → ${s(rec(d.result).quantity)} (${s(rec(d.result).binding)})`;
    case 'RiskDecided':
      return `risk ${s(d.outcome)} ${s(rec(d.intent).side)} ${s(d.symbol)} ${s(rec(d.intent).quantity)} → ${s(d.approvedQuantity)}`;
    case 'OrderRequested':
      return `${s(d.side)} ${s(d.quantity)} ${s(d.symbol)} ${s(d.type)}${d.price ? ` @ ${s(d.price)}` : ''}${d.stopPrice ? ` stop ${s(d.stopPrice)}` : ''}`;
    case 'OrderFilled':
      return `filled ${s(d.quantity)} @ ${s(d.price)} (${s(d.liquidity)})`;
    case 'OrderTriggered':
      return `triggered at ${s(d.triggerPrice)}`;
    case 'OrderRejected':
    case 'OrderCancelled':
    case 'OrderExpired':
      return `${e.type.slice(5).toLowerCase()}: ${s(d.reason)}`;
    case 'FillSettled':
      return `${s(d.side)} ${s(d.quantity)} ${s(d.symbol)} @ ${s(d.price)}, realised ${s(d.realisedPnl)}, position ${s(d.positionQuantity)}`;
    case 'FeeCharged':
      return d.paidIn === undefined
        ? s(d.amount).startsWith('-')
          ? `maker rebate ${s(d.amount).slice(1)} on ${s(d.symbol)}`
          : `fee ${s(d.amount)} on ${s(d.symbol)}`
        : `fee ${s((d.paidIn as { amount: string }).amount)} ${s((d.paidIn as { asset: string }).asset)} (worth ${s(d.amount)}) on ${s(d.symbol)}`;
    case 'FundingPaid':
      return `funding ${s(d.amount)} on ${s(d.symbol)} at rate ${s(d.rate)}`;
    case 'StopAdjusted':
      return `${s(d.kind)} ${s(d.action)} ${s(d.symbol)} ${s(d.layer)} ${s(d.previousPrice) || '–'} → ${s(d.price)}`;
    case 'StopStatusChanged':
      return `${s(d.kind)} ${s(d.symbol)} ${s(d.from)} → ${s(d.to)}${d.reason ? ` (${s(d.reason)})` : ''}`;
    case 'BreakerLevelChanged':
      return `breaker ${s(d.scope)} ${s(d.scopeId)} ${s(d.from)} → ${s(d.to)}${d.carriedFrom ? ` (carried from ${s(d.carriedFrom)})` : ''}`;
    case 'RiskStateCarried': {
      const k = d.kelly as { winRate: number; payoff: number } | null;
      const n = Array.isArray(d.nets) ? d.nets.length : 0;
      const day = d.dayLoss as { loss: number } | null | undefined;
      const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
      return [
        `went on from ${s(d.from)}: ${n} round trip(s)${k ? ` (win rate ${(k.winRate * 100).toFixed(0)}%, payoff ${k.payoff.toFixed(2)})` : ''}`,
        ...(day ? [`${pct(day.loss)} of the day lost`] : []),
        ...(Number(d.drawdown) > 0 ? [`${pct(Number(d.drawdown))} below its peak`] : []),
        ...(Number(d.lossStreak) > 0 ? [`${s(d.lossStreak)} loss(es) in a row`] : []),
        ...(Array.isArray(d.orderTimes) && d.orderTimes.length > 0
          ? [`${d.orderTimes.length} order(s) within the order-rate window`]
          : []),
      ].join(', ');
    }
    case 'EquityMarked':
      return `equity ${Number(d.equity).toFixed(2)} (unrealised ${Number(d.unrealisedPnl).toFixed(2)})`;
    case 'RunStarted':
      return `run ${s(d.runId)} ${s(d.mode)} ${s(d.strategyId)} on ${Array.isArray(d.symbols) ? d.symbols.join(',') : ''}${listedBy(d.config)}`;
    case 'RunCompleted':
      return `run ${s(d.runId)} ${s(d.reason)}, final equity ${s(d.finalEquity)}`;
    case 'FeeRatesSet':
      return `fee rates ${s(d.symbol)}: maker ${s(d.makerRate)}, taker ${s(d.takerRate)}`;
    case 'OrderRefused':
      return `order not sent: ${s(d.side)} ${s(d.type)} ${s(d.quantity)} ${s(d.symbol)}: ${s(d.reason)}`;
    case 'InstrumentUpdated':
      return `listing changed (${s(d.prompt)}): ${Array.isArray(d.changes) ? d.changes.join('; ') : ''}`;
    case 'PositionTakenOver':
      return `took over ${s(d.symbol)} ${s(d.quantity)} @ ${s(d.entryPrice)} from ${s(d.fromAccount)}`;
    case 'PositionHandedOver':
      return `handed over ${s(d.symbol)} ${s(d.quantity)} @ ${s(d.entryPrice)} to ${s(d.toAccount)}`;
    case 'SymbolSetAside':
      return `set aside ${s(d.symbol)} (position ${s(d.position)}): ${s(d.why)}`;
    case 'FeedInterrupted':
      return `feed down: ${s(d.feed)}${d.symbol ? ` ${s(d.symbol)}` : ''}, ${s(d.detail)}`;
    case 'VenueHealthChanged':
      return `${s(d.venue)} ${s(d.aspect)} ${s(d.state)}: ${s(d.detail)}`;
    case 'FeedRestored':
      return `feed back: ${s(d.feed)}${d.symbol ? ` ${s(d.symbol)}` : ''} after ${Math.round((Number(d.at) - Number(d.since)) / 60_000)} min`;
    case 'SymbolRejoined':
      return `rejoined ${s(d.symbol)} from ${new Date(Number(d.firstBarOpen)).toISOString()} (position ${s(d.position)}, ${s(d.skippedBars)} bar(s) skipped)`;
    case 'HotlistScanned': {
      const c = Array.isArray(d.candidates) ? d.candidates.map(rec) : [];
      const top = c[0];
      return `hotlist ${s(d.source)}: ${c.length} ranked${top ? `, top ${s(top.symbol)} ${Number(top.score).toFixed(2)}` : ''}`;
    }
    case 'HotlistSymbolApproved':
      return `whitelisted ${s(d.symbol)} by ${s(d.approver)}${Array.isArray(d.acknowledged) && d.acknowledged.length ? `, acknowledged ${d.acknowledged.join(', ')}` : ''}`;
    case 'HotlistSymbolDeclined':
      return `declined ${s(d.symbol)} by ${s(d.approver)}: ${s(d.reason)}`;
    case 'WhitelistSymbolRemoved':
      return `removed ${s(d.symbol)} from the whitelist by ${s(d.approver)}: ${s(d.reason)}`;
    case 'BanditRoundScored': {
      const arms = Array.isArray(d.arms) ? d.arms.map(rec) : [];
      return `bandit ${s(d.policy)}: ${arms.map((a) => `${s(a.id)} ${(Number(a.weightAfter) * 100).toFixed(0)}%`).join(', ')}`;
    }
    case 'StrategyBenched':
      return `benched ${s(d.strategyId)} until ${new Date(Number(d.until)).toISOString()}`;
    case 'StrategyReinstated':
      return `reinstated ${s(d.strategyId)}`;
    case 'AllocationApplied':
      return `${s(d.strategyId)} allocated ×${Number(d.multiplier).toFixed(2)}${d.benched ? ' (benched)' : ''}`;
    case 'RiskLimitsSet':
      return `limits ${limitsLine(d)} by ${s(d.approver)}: ${s(d.reason)}`;
    case 'RiskLimitsApplied':
      return `took limits ${limitsLine(d)}`;
    default: {
      const keys = Object.keys(d).slice(0, 3);
      return `${e.type}${keys.length ? ` ${keys.map((k) => `${k}=${JSON.stringify(d[k]).slice(0, 40)}`).join(' ')}` : ''}`;
    }
  }
};
