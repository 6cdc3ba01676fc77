import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Fixed, fixed, toText } from '../../domain/ledger/fixed.js';
import type {
  Venue,
  VenueForcedFill,
  VenueFunding,
  VenueOrder,
  VenueReport,
} from '../../domain/ledger/venue-port.js';
import { SharedVenue } from './shared-venue.js';
import { venueOrder } from './testing/venue-fixtures.js';

/** An account that accepts every order it is sent, reporting it received 10 ms later; it checks its clock. */
class Account implements Venue {
  readonly calls: number[] = [];
  /** Every order as the account was sent it. */
  readonly sent: VenueOrder[] = [];
  private readonly queue: VenueReport[] = [];
  private now = Number.NEGATIVE_INFINITY;
  submit(order: VenueOrder, at: number): void {
    this.tick(at);
    this.sent.push(order);
    this.queue.push({
      kind: 'accepted',
      clientOrderId: order.clientOrderId,
      venueOrderId: `v-${order.clientOrderId}`,
      time: at,
      receivedAt: at + 10,
    });
  }
  cancel(clientOrderId: string, at: number): void {
    this.tick(at);
    this.queue.push({ kind: 'cancelled', clientOrderId, reason: 'asked', time: at, receivedAt: at + 10 });
  }
  poll(t: number): readonly VenueReport[] {
    this.tick(t);
    let n = 0;
    while (n < this.queue.length && this.queue[n]!.receivedAt <= t) n++;
    return this.queue.splice(0, n);
  }
  nextEventAt(): number {
    return Number.POSITIVE_INFINITY;
  }
  /** A trade of the exchange's own closing order (a liquidation, an ADL), received at `at`. */
  forced(at: number, f: Partial<VenueForcedFill> & Pick<VenueForcedFill, 'side' | 'quantity'>): void {
    this.queue.push({
      kind: 'forced',
      reason: 'liquidation',
      clientOrderId: 'autoclose-1',
      venueOrderId: '77',
      tradeId: `t-${this.queue.length}`,
      symbol: 'BTCUSDT',
      price: '95000',
      time: at,
      receivedAt: at,
      ...f,
    });
  }
  /**
   * An income record on the account's `symbol` position, received at `at`: funding the exchange charged, or
   * the clearance fee of a liquidation.
   */
  income(at: number, kind: 'funding' | 'clearance-fee', amount: string, symbol = 'BTCUSDT'): void {
    this.queue.push({
      kind,
      clientOrderId: `${kind}:${this.queue.length}`,
      incomeId: String(this.queue.length),
      symbol,
      amount,
      asset: 'USDT',
      time: at,
      receivedAt: at,
    });
  }
  funding(at: number, amount: string, symbol = 'BTCUSDT'): void {
    this.income(at, 'funding', amount, symbol);
  }
  clearance(at: number, amount: string, symbol = 'BTCUSDT'): void {
    this.income(at, 'clearance-fee', amount, symbol);
  }
  /** A report on an order no lane placed (one placed by hand on the exchange). */
  stray(at: number): void {
    this.queue.push({
      kind: 'accepted',
      clientOrderId: 'by-hand',
      venueOrderId: 'x',
      time: at,
      receivedAt: at,
    });
  }
  private tick(t: number): void {
    if (t < this.now) throw new RangeError('time went back');
    this.now = t;
    this.calls.push(t);
  }
}

describe('one account shared by several runs', () => {
  it('hands each lane the reports on its own orders, in arrival order, however their clocks differ', () => {
    const account = new Account();
    const shared = new SharedVenue(account);
    const a = shared.lane();
    const b = shared.lane();
    a.submit(venueOrder({ clientOrderId: 'a-1', side: 'BUY', type: 'MARKET' }), 1_000);
    // Lane b's clock is behind lane a's: the account still sees its calls in time order.
    b.submit(venueOrder({ clientOrderId: 'b-1', side: 'SELL', type: 'MARKET' }), 900);
    a.submit(venueOrder({ clientOrderId: 'a-2', side: 'BUY', type: 'MARKET' }), 1_001);
    account.stray(1_005);
    expect(b.poll(950)).toEqual([]);
    expect(a.poll(1_020).map((r) => r.clientOrderId)).toEqual(['a-1', 'a-2']);
    // b's report was taken from the account by a's poll, and waits for b.
    expect(b.poll(1_030).map((r) => `${r.clientOrderId} ${r.kind}`)).toEqual(['b-1 accepted']);
    expect(shared.unrouted).toBe(1);
    expect(account.calls).toEqual([...account.calls].sort((x, y) => x - y));
    b.cancel('b-1', 1_040);
    expect(() => a.cancel('b-1', 1_050)).toThrow(/not an order of this lane/);
    expect(() => a.submit(venueOrder({ clientOrderId: 'b-1', side: 'BUY', type: 'MARKET' }), 1_060)).toThrow(
      /already submitted/,
    );
    expect(b.poll(2_000).map((r) => `${r.clientOrderId} ${r.kind}`)).toEqual(['b-1 cancelled']);
    expect(() => b.poll(1_999)).toThrow(/before this lane's last call/);
  });
});

describe('what a shared account remembers of ended orders', () => {
  it("routes reports on an order that ended for a while, then forgets its run: a long session holds a day's orders, not every one", () => {
    const account = new Account();
    const shared = new SharedVenue(account, () => {}, { endedOrderTtlMs: 1_000 });
    const a = shared.lane();
    const b = shared.lane();
    a.submit(venueOrder({ clientOrderId: 'a-1', side: 'BUY', type: 'LIMIT', price: '90000' }), 0);
    b.submit(venueOrder({ clientOrderId: 'b-1', side: 'BUY', type: 'LIMIT', price: '90000' }), 0);
    a.cancel('a-1', 100);
    expect(a.poll(200).map((r) => `${r.clientOrderId} ${r.kind}`)).toEqual(['a-1 accepted', 'a-1 cancelled']);
    // Ended, but still a's: a second cancel (crossing the end) is allowed and its answer comes back to a.
    a.cancel('a-1', 300);
    expect(a.poll(400).map((r) => `${r.clientOrderId} ${r.kind}`)).toEqual(['a-1 cancelled']);
    expect(() => b.submit(venueOrder({ clientOrderId: 'a-1', side: 'BUY', type: 'MARKET' }), 500)).toThrow(
      /already submitted/,
    );
    expect(shared.ordersHeld).toBe(2);
    // Two spans later, with orders ending meanwhile, a-1 is forgotten; b-1, still working, is not.
    for (const t of [1_500, 2_600]) {
      a.submit(venueOrder({ clientOrderId: `a-${t}`, side: 'BUY', type: 'MARKET' }), t);
      a.cancel(`a-${t}`, t + 1);
      a.poll(t + 50);
    }
    expect(shared.ordersHeld).toBe(3); // b-1 working, a-1500 and a-2600 ended within the span
    expect(() => a.cancel('a-1', 2_700)).toThrow(/not an order of this lane/);
    b.cancel('b-1', 2_800);
    expect(b.poll(2_900).map((r) => `${r.clientOrderId} ${r.kind}`)).toEqual([
      'b-1 accepted',
      'b-1 cancelled',
    ]);
    expect(shared.unrouted).toBe(0);
  });
});

describe("the exchange's closing trades on a shared account", () => {
  /** A run's position book: what `follow` reads, moved by what the run books. */
  const run = (shared: SharedVenue, symbols: string[], held: Record<string, string>) => {
    const lane = shared.lane();
    const pos = new Map<string, Fixed>(Object.entries(held).map(([k, v]) => [k, fixed(v)]));
    lane.follow(symbols, (s) => pos.get(s) ?? 0n);
    return {
      lane,
      /** Polls and books the forced fills, as the run's engine does. */
      take(t: number): VenueForcedFill[] {
        const got = lane.poll(t).filter((r): r is VenueForcedFill => r.kind === 'forced');
        for (const f of got)
          pos.set(f.symbol, (pos.get(f.symbol) ?? 0n) + (f.side === 'BUY' ? 1n : -1n) * fixed(f.quantity));
        return got;
      },
    };
  };

  it('goes to the runs that held the side it closes, each at most what it held, fees adding up exactly', () => {
    const account = new Account();
    const shared = new SharedVenue(account);
    const a = run(shared, ['BTCUSDT'], { BTCUSDT: '0.002' });
    const short = run(shared, ['BTCUSDT'], { BTCUSDT: '-0.004' });
    const b = run(shared, ['BTCUSDT', 'ETHUSDT'], { BTCUSDT: '0.001' });
    account.forced(100, { side: 'SELL', quantity: '0.003', fee: { amount: '0.14250001', asset: 'USDT' } });
    const fa = a.take(100);
    const fs = short.take(100);
    const fb = b.take(100);
    expect(fa.map((f) => [f.quantity, f.fee?.amount, f.tradeId])).toEqual([['0.002', '0.095', 't-0']]);
    expect(fs).toEqual([]);
    expect(fb.map((f) => [f.quantity, f.fee?.amount, f.tradeId])).toEqual([['0.001', '0.04750001', 't-0']]);
    expect(shared.forcedUnrouted).toEqual([]);
  });

  it('counts a share handed out and not yet booked: two trades in a row do not give a run more than it held', () => {
    const account = new Account();
    const shared = new SharedVenue(account);
    const a = run(shared, ['BTCUSDT'], { BTCUSDT: '0.002' });
    const b = run(shared, ['BTCUSDT'], { BTCUSDT: '0.002' });
    account.forced(100, { side: 'SELL', quantity: '0.0015' });
    account.forced(101, { side: 'SELL', quantity: '0.0015' });
    // b polls first: both trades are shared out before a has booked anything.
    expect(b.take(101).map((f) => f.quantity)).toEqual(['0.001']);
    expect(a.take(101).map((f) => f.quantity)).toEqual(['0.0015', '0.0005']);
  });

  it('leaves what no run held unrouted, and a symbol a run does not follow is not its to book', () => {
    const account = new Account();
    const said: string[] = [];
    const shared = new SharedVenue(account, (l) => said.push(l));
    const eth = run(shared, ['ETHUSDT'], { BTCUSDT: '5' });
    const a = run(shared, ['BTCUSDT'], { BTCUSDT: '0.001' });
    account.forced(100, { side: 'SELL', quantity: '0.003', reason: 'adl', clientOrderId: 'adl_autoclose' });
    expect(eth.take(100)).toEqual([]);
    expect(a.take(100).map((f) => [f.reason, f.quantity])).toEqual([['adl', '0.001']]);
    expect(shared.forcedUnrouted).toEqual(['adl SELL 0.002 BTCUSDT (trade t-0)']);
    expect(said).toEqual([
      "the exchange's own closing order: adl SELL 0.002 BTCUSDT (trade t-0) is more than the runs held; the account check will see it",
    ]);
  });
});

describe('funding the exchange charged on a shared account', () => {
  const lanes = (shared: SharedVenue, held: string[]) =>
    held.map((q) => {
      const lane = shared.lane();
      lane.follow(['BTCUSDT'], () => fixed(q));
      return lane;
    });
  const amounts = (ls: ReturnType<typeof lanes>, t: number) =>
    ls.map((l) =>
      l
        .poll(t)
        .filter((r): r is VenueFunding => r.kind === 'funding')
        .map((r) => r.amount),
    );

  it('shares the figure by position, signed: the net position is what the exchange charged', () => {
    const account = new Account();
    const shared = new SharedVenue(account);
    // Net long 0.003: the exchange charged −0.3 on it. The short run received its share, the longs paid.
    const ls = lanes(shared, ['0.004', '-0.002', '0.001', '0']);
    account.funding(100, '-0.3');
    expect(amounts(ls, 100)).toEqual([['-0.4'], ['0.2'], ['-0.1'], []]);
    expect(shared.fundingUnrouted).toEqual([]);
    expect(ls[0]!.reportsFunding).toBe(false);
  });

  it('shares out exactly: the parts add up to the figure, each within 10^-8 of its pro-rata part', () => {
    const lot = fc.integer({ min: -500_000, max: 500_000 }).map((n) => toText(BigInt(n) * 10n ** 15n));
    fc.assert(
      fc.property(
        fc.array(lot, { minLength: 1, maxLength: 5 }),
        fc.integer({ min: -10_000_000_000, max: 10_000_000_000 }),
        (held, cents) => {
          const net = held.reduce((sum, q) => sum + fixed(q), 0n);
          fc.pre(net !== 0n);
          const amount = BigInt(cents) * 10n ** 10n; // 8 places
          const account = new Account();
          const shared = new SharedVenue(account);
          const ls = lanes(shared, held);
          account.funding(100, toText(amount));
          const parts = amounts(ls, 100);
          const total = parts.flat().reduce((sum, a) => sum + fixed(a), 0n);
          expect(total).toBe(amount);
          held.forEach((q, i) => {
            const got = parts[i]!.length === 0 ? 0n : fixed(parts[i]![0]!);
            expect(parts[i]!.length).toBe(fixed(q) === 0n ? 0 : 1);
            const exact = (amount * fixed(q)) / net;
            const gap = got > exact ? got - exact : exact - got;
            // Each part is its pro-rata share to 8 places; the last also takes what the others' rounding left.
            expect(gap <= BigInt(held.length) * 10n ** 10n).toBe(true);
          });
        },
      ),
    );
  });

  it('leaves funding on a symbol no run holds unrouted, saying so', () => {
    const account = new Account();
    const said: string[] = [];
    const shared = new SharedVenue(account, (l) => said.push(l));
    const ls = lanes(shared, ['0.001']);
    account.funding(100, '-0.05', 'ETHUSDT');
    expect(amounts(ls, 100)).toEqual([[]]);
    expect(shared.fundingUnrouted).toEqual(['ETHUSDT -0.05 USDT at 100 (record 0)']);
    expect(said).toEqual([
      'funding the exchange charged: ETHUSDT -0.05 USDT at 100 (record 0), and no run holds ETHUSDT',
    ]);
  });
});

describe("a liquidation's clearance fee on a shared account", () => {
  it('follows the liquidation: shared among the runs it closed, by what each gave up, adding up exactly', () => {
    const account = new Account();
    const said: string[] = [];
    const shared = new SharedVenue(account, (l) => said.push(l));
    const lane = (held: string) => {
      const l = shared.lane();
      l.follow(['BTCUSDT'], () => fixed(held));
      return l;
    };
    const a = lane('0.002');
    const b = lane('0.001');
    const flat = lane('0');
    // A fee before any liquidation here has nobody to go to.
    account.clearance(99, '1');
    a.poll(99);
    expect(shared.clearanceUnrouted).toEqual(['BTCUSDT 1 USDT (record 0)']);
    // One liquidation order in two trades closes both longs; its fee follows it.
    account.forced(100, { side: 'SELL', quantity: '0.002', venueOrderId: '77' });
    account.forced(100, { side: 'SELL', quantity: '0.001', venueOrderId: '77' });
    account.clearance(101, '3.56250001');
    const fees = (l: typeof a) => l.poll(101).flatMap((r) => (r.kind === 'clearance-fee' ? [r.amount] : []));
    const [fa, fb, ff] = [fees(a), fees(b), fees(flat)];
    // Two thirds and one third, down to 8 places; the last takes the rest.
    expect([fa, fb, ff]).toEqual([['2.375'], ['1.18750001'], []]);
    expect(said).toHaveLength(1);
  });
});

describe('reduce-only on a shared symbol', () => {
  const holding = (shared: SharedVenue, qty: string) => {
    const lane = shared.lane();
    lane.follow(['BTCUSDT'], () => fixed(qty));
    return lane;
  };
  const close = (id: string, o: Partial<VenueOrder> = {}) =>
    venueOrder({
      clientOrderId: id,
      side: 'SELL',
      type: 'MARKET',
      quantity: '0.010',
      reduceOnly: true,
      ...o,
    });

  it("goes without the flag when the other runs' opposite holdings leave the account less than the run closes", () => {
    const account = new Account();
    const said: string[] = [];
    const shared = new SharedVenue(account, (l) => said.push(l));
    const a = holding(shared, '0.010');
    holding(shared, '-0.006');
    a.submit(close('a-1'), 1);
    // The account holds 0.004: a reduce-only sell of 0.010 would fill 0.004 and leave a's ledger long 0.006.
    expect(account.sent[0]).toMatchObject({ clientOrderId: 'a-1', reduceOnly: false, quantity: '0.010' });
    expect(said).toEqual([expect.stringContaining('a-1: sent without reduce-only')]);
    // What the net position can take keeps the flag: exact either way, and the exchange's guard stays.
    a.submit(close('a-2', { quantity: '0.004' }), 2);
    expect(account.sent[1]!.reduceOnly).toBe(true);
  });

  it('keeps the flag when the account holds enough, when the order is more than the run holds, and on stops', () => {
    const account = new Account();
    const shared = new SharedVenue(account);
    const a = holding(shared, '0.010');
    const b = holding(shared, '-0.006');
    holding(shared, '0.002');
    // The account is long 0.006 net: b's buy closing its short of 0.006 would be refused as reduce-only.
    b.submit(close('b-1', { side: 'BUY', quantity: '0.006' }), 1);
    expect(account.sent.at(-1)!.reduceOnly).toBe(false);
    // a closes 0.006 of its 0.010: the net long of 0.006 takes it.
    a.submit(close('a-1', { quantity: '0.006' }), 2);
    expect(account.sent.at(-1)!.reduceOnly).toBe(true);
    // More than a holds: not a close of its own position; the exchange judges it as sent.
    a.submit(close('a-2', { quantity: '0.020' }), 3);
    expect(account.sent.at(-1)!.reduceOnly).toBe(true);
    // A backstop keeps the flag whatever the others hold.
    a.submit(close('a-3', { type: 'STOP_MARKET', stopPrice: '90000' }), 4);
    expect(account.sent.at(-1)!.reduceOnly).toBe(true);
  });
});
