import { afterEach, describe, expect, it } from 'vitest';
import { fixed } from '../../domain/ledger/fixed.js';
import { loadBinanceInstruments } from '../instruments/binance-files.js';
import { FakeBinance } from './testing/fake-binance.js';
import { withFilters } from './testing/listing.js';
import { settleReports, venueOrder } from './testing/venue-fixtures.js';
import { type Harness, openHarness } from './testing/venue-harness.js';

/** Binance has moved BTCUSDT to a 0.01 tick since the recording (0.1). */
const finerTick = withFilters('BTCUSDT', { PRICE_FILTER: { tickSize: '0.01' } });

let h: Harness | undefined;
let fake: FakeBinance | undefined;
afterEach(async () => {
  await h?.close();
  await fake?.close();
  h = undefined;
  fake = undefined;
});

describe('CcxtVenue on Binance USDⓈ-M (fake server): the instruments as the exchange lists them now', () => {
  it('reads exchangeInfo and the account’s leverage brackets into the same instruments the recorded files give', async () => {
    h = await openHarness();
    const live = await h.venue.instrumentBook();
    const recorded = await loadBinanceInstruments();
    expect(live.all.size).toBe(recorded.all.size);
    expect(live.get('BTCUSDT')).toEqual(recorded.get('BTCUSDT'));
    expect(() => live.get('NOPEUSDT')).toThrow(/no instrument NOPEUSDT/);
    const signed = h.fake.requests.find((r) => r.path === '/fapi/v1/leverageBracket');
    expect(signed?.params.signature).toBeDefined();
  });

  it('gives the exchange’s grid where it changed since the recording', async () => {
    fake = await FakeBinance.start({
      exchangeInfo: finerTick,
    });
    h = await openHarness({ fake });
    expect((await h.venue.instrumentBook()).get('BTCUSDT').tickSize).toBe(fixed('0.01'));
  });

  it('sends trigger prices on the new grid once it has listed it: ccxt formats them by the listing of now', async () => {
    h = await openHarness();
    await h.venue.instrumentBook();
    const loads = () => h!.fake.requests.filter((r) => r.path === '/fapi/v1/exchangeInfo').length;
    // A listing that changed nothing does not load ccxt's markets again (2 MB of JSON).
    const before = loads();
    await h.venue.instrumentBook();
    expect(loads()).toBe(before + 1);
    h.fake.relist(finerTick);
    expect((await h.venue.instrumentBook()).get('BTCUSDT').tickSize).toBe(fixed('0.01'));
    // The listing, and ccxt's markets loaded again from it.
    expect(loads()).toBe(before + 3);
    h.venue.submit(
      venueOrder({ clientOrderId: 'sl', side: 'SELL', type: 'STOP_MARKET', stopPrice: '95000.05' }),
      h.clock.t,
    );
    const [r] = await settleReports(h, 1);
    expect(r).toMatchObject({ kind: 'accepted', clientOrderId: 'sl' });
    const sent = h.fake.requests.find((x) => x.path === '/fapi/v1/algoOrder' && x.method === 'POST');
    expect(sent?.params.triggerPrice).toBe('95000.05');
  });

  it('refuses a reply it cannot read, saying which, and takes nothing from it', async () => {
    h = await openHarness();
    h.fake.fault({
      path: '/fapi/v1/leverageBracket',
      action: 'garbage',
      body: '[{"symbol":"BTCUSDT","brackets":"lots"}]',
    });
    await expect(h.venue.instrumentBook()).rejects.toThrow(
      /unreadable exchangeInfo and leverageBracket reply/,
    );
  });
});

describe('CcxtVenue on Binance USDⓈ-M (fake server): the wallet balance', () => {
  it('reads the USDT wallet, which moves by each trade’s realised profit less its commission', async () => {
    h = await openHarness();
    const v = h.venue;
    h.fake.engine.setPrice('BTCUSDT', '100000');
    expect(await v.walletBalance('USDT')).toBe('10000');
    expect(await v.walletBalance('BNB')).toBe('0');
    // Bought 0.01 at 100,000: 0.5 USDT of taker commission. Sold at 101,000: 10 of profit, 0.505 of commission.
    v.submit(venueOrder({ clientOrderId: 'in', side: 'BUY', type: 'MARKET', quantity: '0.01' }), h.clock.t);
    await settleReports(h, 2);
    expect(await v.walletBalance('USDT')).toBe('9999.5');
    h.fake.engine.setPrice('BTCUSDT', '101000');
    v.submit(venueOrder({ clientOrderId: 'out', side: 'SELL', type: 'MARKET', quantity: '0.01' }), h.clock.t);
    await settleReports(h, 4);
    expect(await v.walletBalance('USDT')).toBe('10008.995');
  });

  it('refuses a reply it cannot read, saying which', async () => {
    h = await openHarness();
    h.fake.fault({ path: '/fapi/v2/balance', action: 'garbage', body: '[{"asset":"USDT","balance":12.5}]' });
    await expect(h.venue.walletBalance('USDT')).rejects.toThrow(
      /unreadable balance reply: USDT balance 12.5 is not a decimal/,
    );
  });
});

describe('CcxtVenue on Binance USDⓈ-M (fake server): the account’s own commission rates', () => {
  it('reads each symbol’s rates as the exchange charges them', async () => {
    h = await openHarness();
    expect(await h.venue.commissionRates(['BTCUSDT', 'ETHUSDT'])).toEqual(
      new Map([
        ['BTCUSDT', { maker: '0.0002', taker: '0.0005' }],
        ['ETHUSDT', { maker: '0.0002', taker: '0.0005' }],
      ]),
    );
    h.fake.engine.feeRates = { maker: fixed('0.00016'), taker: fixed('0.0004') };
    expect(await h.venue.commissionRates(['BTCUSDT'])).toEqual(
      new Map([['BTCUSDT', { maker: '0.00016', taker: '0.0004' }]]),
    );
    const asked = h.fake.requests.filter((r) => r.path === '/fapi/v1/commissionRate');
    expect(asked.map((r) => r.params.symbol)).toEqual(['BTCUSDT', 'ETHUSDT', 'BTCUSDT']);
    expect(asked.every((r) => r.params.signature !== undefined)).toBe(true);
    await expect(h.venue.commissionRates(['NOPEUSDT'])).rejects.toThrow(/-1121/);
  });

  it('refuses a reply it cannot read, saying which', async () => {
    h = await openHarness();
    h.fake.fault({
      path: '/fapi/v1/commissionRate',
      action: 'garbage',
      body: '{"symbol":"BTCUSDT","makerCommissionRate":0.0002,"takerCommissionRate":"0.0005"}',
    });
    await expect(h.venue.commissionRates(['BTCUSDT'])).rejects.toThrow(
      /unreadable commissionRate reply: maker 0.0002 is not a decimal rate/,
    );
  });
});

describe('CcxtVenue on Binance USDⓈ-M (fake server): the account trades by the ledger’s settings', () => {
  const settings = (leverage: number, marginType: 'cross' | 'isolated') =>
    new Map([['BTCUSDT', { leverage, marginType }]]);

  it('sets each symbol’s margin type and leverage, and setting them again is no error', async () => {
    h = await openHarness();
    const e = h.fake.engine;
    await h.venue.configure(settings(5, 'isolated'));
    expect([e.symbolMarginType.get('BTCUSDT'), e.symbolLeverage.get('BTCUSDT')]).toEqual(['ISOLATED', 5]);
    await h.venue.configure(settings(5, 'isolated'));
    await h.venue.configure(settings(3, 'cross'));
    expect([e.symbolMarginType.get('BTCUSDT'), e.symbolLeverage.get('BTCUSDT')]).toEqual(['CROSSED', 3]);
    expect(h.fake.requests.filter((r) => r.path === '/fapi/v1/marginType').map((r) => r.status)).toEqual([
      200, 400, 200,
    ]);
  });

  it('refuses an account in hedge mode or Multi-Assets mode, and a margin type the exchange will not change under a position, saying why', async () => {
    h = await openHarness();
    const e = h.fake.engine;
    e.dualSidePosition = true;
    await expect(h.venue.configure(settings(5, 'cross'))).rejects.toThrow(
      /hedge mode .*switch the account to one-way mode/,
    );
    e.dualSidePosition = false;
    e.multiAssetsMargin = true;
    await expect(h.venue.configure(settings(5, 'cross'))).rejects.toThrow(
      /Multi-Assets mode .*switch the account to single-asset mode/,
    );
    // Nothing was set on the account while it was refused.
    expect(h.fake.requests.filter((r) => r.path === '/fapi/v1/leverage')).toEqual([]);
    e.multiAssetsMargin = false;
    e.setPrice('BTCUSDT', '100000');
    e.setPosition('BTCUSDT', '0.01');
    await expect(h.venue.configure(settings(5, 'isolated'))).rejects.toThrow(
      /BTCUSDT isolated 5x: .*Margin type cannot be changed if there exists position/,
    );
  });
});
