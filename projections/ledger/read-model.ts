import type { RecordedEvent } from '../../domain/events/envelope.js';
import {
  type AccountState,
  evolveAccount,
  initialAccountState,
  type OtherAssetFees,
  positionKey,
  walletBalance,
} from '../../domain/ledger/account.js';
import type { AccountEvent, MarginType, PositionSide } from '../../domain/ledger/events.js';
import { type Fixed, fixed } from '../../domain/ledger/fixed.js';
import { entryPrice } from '../../domain/ledger/position.js';

/**
 * The ledger read models as plain maps: accounts, positions (per account, symbol and side), positions per
 * strategy, and the trade list. The same fold backs the SQL projection (which loads the touched rows,
 * folds a batch and writes them back) and the in-memory path of backtests and the benchmark.
 *
 * Balances and positions come from the domain's own `evolveAccount`, so the read model cannot drift from
 * the aggregate that decided the events; what it adds is attribution (PnL, fees, funding per position and
 * per strategy) and the trade list.
 */
export interface AccountView {
  stream: string;
  accountId: string;
  venue: string;
  positionMode: string;
  feeTier: string;
  crossWallet: Fixed;
  walletBalance: Fixed;
  deposits: Fixed;
  withdrawals: Fixed;
  realisedPnl: Fixed;
  /** Fees the wallet paid (in the margin asset). */
  fees: Fixed;
  funding: Fixed;
  /**
   * Fees paid in other assets (BNB), by asset: how much, and their worth in the margin asset. The
   * positions', strategies' and trades' `fees` count that worth; the account's `fees` (the wallet's) do not.
   */
  otherAssetFees: ReadonlyMap<string, OtherAssetFees>;
  lastPosition: number;
}

export interface PositionView {
  stream: string;
  symbol: string;
  positionSide: PositionSide;
  marginType: MarginType;
  leverage: number;
  quantity: Fixed;
  cost: Fixed;
  entryPrice: Fixed;
  isolatedWallet: Fixed;
  realisedPnl: Fixed;
  fees: Fixed;
  funding: Fixed;
  trades: number;
  liquidations: number;
  lastPosition: number;
}

/**
 * A strategy's share of an account position: its own fills, the realised PnL the account booked on them
 * and their fees. Funding is charged per account position and is not split across strategies; a
 * liquidation closes the position for every strategy (their quantity drops to 0).
 */
export interface StrategyPositionView {
  stream: string;
  strategyId: string;
  symbol: string;
  positionSide: PositionSide;
  quantity: Fixed;
  realisedPnl: Fixed;
  fees: Fixed;
  trades: number;
  lastPosition: number;
}

export interface TradeView {
  stream: string;
  orderId: string;
  tradeId: string;
  fillSeq: number;
  strategyId: string;
  symbol: string;
  side: string;
  positionSide: PositionSide;
  quantity: Fixed;
  price: Fixed;
  liquidity: string;
  realisedPnl: Fixed;
  fee: Fixed;
  globalPosition: number;
  occurredAt: string;
}

const accountEventTypes = new Set([
  'AccountOpened',
  'FundsDeposited',
  'FundsWithdrawn',
  'PositionModeSet',
  'LeverageSet',
  'MarginTypeSet',
  'FillSettled',
  'FeeCharged',
  'FundingPaid',
  'PositionLiquidated',
  'PositionHandedOver',
  'PositionTakenOver',
]);
export const ledgerProjectionTypes: readonly string[] = [...accountEventTypes];

const sep = '\u0000';
export const positionViewKey = (stream: string, symbol: string, side: string) =>
  `${stream}${sep}${symbol}${sep}${side}`;
export const strategyViewKey = (stream: string, strategy: string, symbol: string, side: string) =>
  `${stream}${sep}${strategy}${sep}${symbol}${sep}${side}`;
export const tradeViewKey = (stream: string, orderId: string, tradeId: string) =>
  `${stream}${sep}${orderId}${sep}${tradeId}`;

/** A set that keeps nothing (see stateOf). */
class Forgetful extends Set<string> {
  override add(): this {
    return this;
  }
}

/** A map that keeps nothing (see stateOf). */
class ForgetfulMap extends Map<string, number> {
  override set(): this {
    return this;
  }
}

export class LedgerReadModel {
  readonly accounts = new Map<string, AccountView>();
  readonly positions = new Map<string, PositionView>();
  readonly strategies = new Map<string, StrategyPositionView>();
  readonly trades = new Map<string, TradeView>();
  /**
   * Keys written since the last `drainTouched`, so the SQL projection upserts only what changed. Kept
   * only when asked for (`trackTouched`): a model nobody drains would otherwise hold a key per fill.
   */
  readonly touched = {
    accounts: new Set<string>(),
    positions: new Set<string>(),
    strategies: new Set<string>(),
    trades: new Set<string>(),
  };
  private readonly track: boolean;
  private readonly states = new Map<string, AccountState>();
  private lastTouched: PositionView | undefined;
  /**
   * The view keys made so far, by stream, then strategy, then the domain's position key. Two views are
   * looked up per event; building their key afresh allocates a string the map then hashes, where a
   * key made once keeps its hash. Keys only: the views themselves are always read from the maps, which
   * the SQL projection fills directly.
   */
  private readonly positionKeys = new Map<string, Map<string, string>>();
  private readonly strategyKeys = new Map<string, Map<string, Map<string, string>>>();
  /** The last fill's trade key: its fee is the next event, and finds the trade without a new key. */
  private readonly lastTrade = { stream: '', orderId: '', tradeId: '', key: '' };

  constructor(opts: { readonly trackTouched?: boolean } = {}) {
    this.track = opts.trackTouched ?? false;
  }

  /**
   * The account's balances and positions as the aggregate would hold them, rebuilt from the views; what
   * `marginReport` needs to show margin, unrealised PnL and liquidation prices at the latest marks.
   * Read-only for callers: the model keeps folding into it.
   */
  accountState(stream: string): AccountState {
    return this.stateOf(stream);
  }

  private stateOf(stream: string): AccountState {
    const cached = this.states.get(stream);
    if (cached) return cached;
    // The read model never decides, so it needs no dedupe memory of settled fills and transfers; those
    // sets grow with every fill and would double the fold's allocation for nothing.
    const s: AccountState = {
      ...initialAccountState(),
      settledFills: new ForgetfulMap(),
      transfers: new Forgetful(),
    };
    const a = this.accounts.get(stream);
    if (a) {
      s.exists = true;
      s.accountId = a.accountId;
      s.venue = a.venue;
      s.positionMode = a.positionMode as AccountState['positionMode'];
      s.feeTier = a.feeTier;
      s.crossWallet = a.crossWallet;
      Object.assign(s.totals, {
        deposits: a.deposits,
        withdrawals: a.withdrawals,
        realisedPnl: a.realisedPnl,
        fees: a.fees,
        funding: a.funding,
      });
      for (const [asset, f] of a.otherAssetFees) s.otherAssetFees.set(asset, { ...f });
      for (const p of this.positions.values()) {
        if (p.stream !== stream || (p.quantity === 0n && p.isolatedWallet === 0n)) continue;
        s.positions.set(positionKey(p.symbol, p.positionSide), {
          symbol: p.symbol,
          side: p.positionSide,
          marginType: p.marginType,
          leverage: p.leverage,
          qty: p.quantity,
          cost: p.cost,
          isolatedWallet: p.isolatedWallet,
        });
      }
    }
    this.states.set(stream, s);
    return s;
  }

  private positionKeyOf(stream: string, symbol: string, side: PositionSide): string {
    let keys = this.positionKeys.get(stream);
    if (keys === undefined) {
      keys = new Map();
      this.positionKeys.set(stream, keys);
    }
    const at = positionKey(symbol, side);
    let key = keys.get(at);
    if (key === undefined) {
      key = positionViewKey(stream, symbol, side);
      keys.set(at, key);
    }
    return key;
  }

  private strategyKeyOf(stream: string, strategyId: string, symbol: string, side: PositionSide): string {
    let byStrategy = this.strategyKeys.get(stream);
    if (byStrategy === undefined) {
      byStrategy = new Map();
      this.strategyKeys.set(stream, byStrategy);
    }
    let keys = byStrategy.get(strategyId);
    if (keys === undefined) {
      keys = new Map();
      byStrategy.set(strategyId, keys);
    }
    const at = positionKey(symbol, side);
    let key = keys.get(at);
    if (key === undefined) {
      key = strategyViewKey(stream, strategyId, symbol, side);
      keys.set(at, key);
    }
    return key;
  }

  private tradeKeyOf(stream: string, orderId: string, tradeId: string): string {
    const last = this.lastTrade;
    if (last.tradeId === tradeId && last.orderId === orderId && last.stream === stream) return last.key;
    const key = tradeViewKey(stream, orderId, tradeId);
    last.stream = stream;
    last.orderId = orderId;
    last.tradeId = tradeId;
    last.key = key;
    return key;
  }

  private position(stream: string, symbol: string, side: PositionSide, e: RecordedEvent): PositionView {
    const key = this.positionKeyOf(stream, symbol, side);
    let p = this.positions.get(key);
    if (!p) {
      p = {
        stream,
        symbol,
        positionSide: side,
        marginType: 'cross',
        leverage: 0,
        quantity: 0n,
        cost: 0n,
        entryPrice: 0n,
        isolatedWallet: 0n,
        realisedPnl: 0n,
        fees: 0n,
        funding: 0n,
        trades: 0,
        liquidations: 0,
        lastPosition: 0,
      };
      this.positions.set(key, p);
    }
    p.lastPosition = e.globalPosition;
    if (this.track) this.touched.positions.add(key);
    this.lastTouched = p;
    return p;
  }

  private strategy(stream: string, strategyId: string, symbol: string, side: PositionSide, e: RecordedEvent) {
    const key = this.strategyKeyOf(stream, strategyId, symbol, side);
    let v = this.strategies.get(key);
    if (!v) {
      v = {
        stream,
        strategyId,
        symbol,
        positionSide: side,
        quantity: 0n,
        realisedPnl: 0n,
        fees: 0n,
        trades: 0,
        lastPosition: 0,
      };
      this.strategies.set(key, v);
    }
    v.lastPosition = e.globalPosition;
    if (this.track) this.touched.strategies.add(key);
    return v;
  }

  apply(e: RecordedEvent): void {
    if (!accountEventTypes.has(e.type)) return;
    const stream = e.streamId;
    // A recorded event is a decided one with an envelope around it: evolve reads only type and data.
    const ev = e as unknown as AccountEvent;
    const s = this.stateOf(stream);
    evolveAccount(s, ev);

    switch (ev.type) {
      case 'FillSettled': {
        const d = ev.data;
        const p = this.position(stream, d.symbol, d.positionSide, e);
        p.marginType = d.marginType;
        p.leverage = d.leverage;
        const realised = fixed(d.realisedPnl);
        p.realisedPnl += realised;
        p.trades++;
        // The exchange liquidating a real run's position counts as the simulated liquidation does.
        if (d.forced === 'liquidation') p.liquidations++;
        const q = fixed(d.quantity);
        const strat = this.strategy(stream, d.strategyId ?? '', d.symbol, d.positionSide, e);
        strat.quantity += d.side === 'BUY' ? q : -q;
        strat.realisedPnl += realised;
        strat.trades++;
        const tk = this.tradeKeyOf(stream, d.orderId, d.tradeId);
        this.trades.set(tk, {
          stream,
          orderId: d.orderId,
          tradeId: d.tradeId,
          fillSeq: d.fillSeq,
          strategyId: d.strategyId ?? '',
          symbol: d.symbol,
          side: d.side,
          positionSide: d.positionSide,
          quantity: q,
          price: fixed(d.price),
          liquidity: d.liquidity,
          realisedPnl: realised,
          fee: 0n,
          globalPosition: e.globalPosition,
          occurredAt: e.metadata.occurredAt,
        });
        if (this.track) this.touched.trades.add(tk);
        break;
      }
      case 'FeeCharged': {
        const d = ev.data;
        const a = fixed(d.amount);
        this.position(stream, d.symbol, d.positionSide, e).fees += a;
        if (d.reason === 'trade' && d.orderId && d.tradeId) {
          this.strategy(stream, d.strategyId ?? '', d.symbol, d.positionSide, e).fees += a;
          const tk = this.tradeKeyOf(stream, d.orderId, d.tradeId);
          const t = this.trades.get(tk);
          if (t) {
            t.fee += a;
            if (this.track) this.touched.trades.add(tk);
          }
        }
        break;
      }
      case 'LeverageSet':
        for (const [key, p] of this.positions) {
          if (p.stream === stream && p.symbol === ev.data.symbol && p.quantity !== 0n) {
            p.leverage = ev.data.leverage;
            p.lastPosition = e.globalPosition;
            if (this.track) this.touched.positions.add(key);
          }
        }
        break;
      case 'FundingPaid':
        this.position(stream, ev.data.symbol, ev.data.positionSide, e).funding += fixed(ev.data.amount);
        break;
      case 'PositionLiquidated': {
        const d = ev.data;
        const p = this.position(stream, d.symbol, d.positionSide, e);
        p.realisedPnl += fixed(d.realisedPnl);
        p.liquidations++;
        for (const [key, v] of this.strategies) {
          if (
            v.stream === stream &&
            v.symbol === d.symbol &&
            v.positionSide === d.positionSide &&
            v.quantity !== 0n
          ) {
            v.quantity = 0n;
            v.lastPosition = e.globalPosition;
            if (this.track) this.touched.strategies.add(key);
          }
        }
        break;
      }
      case 'PositionHandedOver':
      case 'PositionTakenOver': {
        // The position moved between two runs' accounts with no trade: only its holder changes.
        const d = ev.data;
        const p = this.position(stream, d.symbol, d.positionSide, e);
        p.marginType = 'cross';
        if (ev.type === 'PositionTakenOver')
          p.leverage = s.positions.get(positionKey(d.symbol, d.positionSide))?.leverage ?? p.leverage;
        const q = fixed(d.quantity);
        const strat = this.strategy(stream, d.strategyId ?? '', d.symbol, d.positionSide, e);
        strat.quantity += ev.type === 'PositionTakenOver' ? q : -q;
        break;
      }
      default:
        break;
    }

    // Balances and the position this event touched, exactly as the aggregate now holds them. Only
    // fills, fees, funding and liquidations move a position, and each names its own.
    const moved = this.lastTouched;
    this.lastTouched = undefined;
    if (moved) {
      const live = s.positions.get(positionKey(moved.symbol, moved.positionSide));
      const qty = live?.qty ?? 0n;
      const cost = live?.cost ?? 0n;
      moved.isolatedWallet = live?.isolatedWallet ?? 0n;
      if (moved.quantity !== qty || moved.cost !== cost) {
        moved.quantity = qty;
        moved.cost = cost;
        moved.entryPrice = entryPrice({ qty, cost });
      }
      if (live) {
        moved.marginType = live.marginType;
        moved.leverage = live.leverage;
      }
    }
    let a = this.accounts.get(stream);
    if (!a) {
      a = {
        stream,
        accountId: s.accountId,
        venue: s.venue,
        positionMode: s.positionMode,
        feeTier: s.feeTier,
        crossWallet: 0n,
        walletBalance: 0n,
        deposits: 0n,
        withdrawals: 0n,
        realisedPnl: 0n,
        fees: 0n,
        funding: 0n,
        otherAssetFees: s.otherAssetFees,
        lastPosition: 0,
      };
      this.accounts.set(stream, a);
    }
    a.accountId = s.accountId;
    a.venue = s.venue;
    a.positionMode = s.positionMode;
    a.feeTier = s.feeTier;
    a.crossWallet = s.crossWallet;
    a.walletBalance = walletBalance(s);
    a.deposits = s.totals.deposits;
    a.withdrawals = s.totals.withdrawals;
    a.realisedPnl = s.totals.realisedPnl;
    a.fees = s.totals.fees;
    a.funding = s.totals.funding;
    // The aggregate's own map, kept current by every fee it folds.
    a.otherAssetFees = s.otherAssetFees;
    a.lastPosition = e.globalPosition;
    if (this.track) this.touched.accounts.add(stream);
  }

  applyAll(events: readonly RecordedEvent[]): this {
    for (const e of events) this.apply(e);
    return this;
  }

  drainTouched(): { accounts: string[]; positions: string[]; strategies: string[]; trades: string[] } {
    const out = {
      accounts: [...this.touched.accounts],
      positions: [...this.touched.positions],
      strategies: [...this.touched.strategies],
      trades: [...this.touched.trades],
    };
    for (const set of Object.values(this.touched)) set.clear();
    return out;
  }
}
