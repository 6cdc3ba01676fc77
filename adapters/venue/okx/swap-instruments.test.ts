import { describe, expect, it } from 'vitest';
import { fixed, mul } from '../../../domain/ledger/fixed.js';
import type { Instrument } from '../../../domain/ledger/instrument.js';
import { maintenanceMargin } from '../../../domain/ledger/instrument.js';
import { decideOrder, initialOrderState } from '../../../domain/ledger/order.js';
import { okxInstrument, okxInstruments, okxListTimes, swapContracts } from './swap-instruments.js';

// https://www.okx.com/docs-v5/en/#public-data-rest-api-get-instruments (response fields), a USDT swap as
// OKX lists BTC-USDT-SWAP: one contract is 0.01 BTC, a lot 0.01 contract.
const btc = {
  alias: '',
  auctionEndTime: '',
  baseCcy: '',
  category: '1',
  ctMult: '1',
  ctType: 'linear',
  ctVal: '0.01',
  ctValCcy: 'BTC',
  expTime: '',
  instFamily: 'BTC-USDT',
  instId: 'BTC-USDT-SWAP',
  instType: 'SWAP',
  lever: '100',
  listTime: '1611916828000',
  lotSz: '0.01',
  maxIcebergSz: '100000000.0000000000000000',
  maxLmtAmt: '20000000',
  maxLmtSz: '100000000',
  maxMktAmt: '',
  maxMktSz: '12000',
  maxStopSz: '12000',
  maxTriggerSz: '100000000.0000000000000000',
  maxTwapSz: '100000000.0000000000000000',
  minSz: '0.01',
  optType: '',
  quoteCcy: '',
  settleCcy: 'USDT',
  state: 'live',
  ruleType: 'normal',
  stk: '',
  tickSz: '0.1',
  uly: 'BTC-USDT',
};

// https://www.okx.com/docs-v5/en/#public-data-rest-api-get-position-tiers (response fields), as a swap
// family's tiers: sizes in contracts.
const tier = (n: number, minSz: string, maxSz: string, mmr: string, imr: string, maxLever: string) => ({
  baseMaxLoan: '',
  imr,
  instFamily: 'BTC-USDT',
  instId: '',
  maxLever,
  maxSz,
  minSz,
  mmr,
  optMgnFactor: '',
  quoteMaxLoan: '',
  tier: String(n),
  uly: 'BTC-USDT',
});
const tiers = [
  tier(2, '2000', '5000', '0.006', '0.013', '75'),
  tier(1, '0', '2000', '0.004', '0.008', '125'),
];

/** A market buy on the instrument, as the ledger decides it (domain/ledger/order.ts). */
const placeOn = (inst: Instrument) =>
  decideOrder(
    {
      kind: 'PlaceOrder',
      orderId: 'o-1',
      clientOrderId: 'c-1',
      accountId: 'a',
      venue: inst.venue,
      strategyId: null,
      symbol: inst.symbol,
      side: 'BUY',
      positionSide: 'BOTH',
      type: 'MARKET',
      quantity: '0.01',
    },
    initialOrderState,
    { instrument: () => inst },
  );

describe('okxInstrument', () => {
  it('is one the ledger trades while the venue says "live", and refuses in the venue’s words otherwise', () => {
    const listed = okxInstrument(btc, tiers, '100000');
    expect(listed.status).toBe('TRADING');
    expect(placeOn(listed).map((e) => e.type)).toEqual(['OrderRequested']);
    const other = okxInstrument({ ...btc, state: 'suspend' }, tiers, '100000');
    expect(other.status).toBe('suspend');
    expect(() => placeOn(other)).toThrow(/BTCUSDT status is suspend/);
  });

  it('reads a swap’s grids and limits in the base asset: contracts × contract value', () => {
    const inst = okxInstrument(btc, tiers, '100000');
    expect(inst).toMatchObject({
      venue: 'okx',
      symbol: 'BTCUSDT',
      contractType: 'SWAP',
      status: 'TRADING',
      baseAsset: 'BTC',
      quoteAsset: 'USDT',
      marginAsset: 'USDT',
      tickSize: fixed('0.1'),
      minPrice: 0n,
      maxPrice: 0n,
      stepSize: fixed('0.0001'),
      minQty: fixed('0.0001'),
      maxQty: fixed('1000000'),
      marketStepSize: fixed('0.0001'),
      marketMinQty: fixed('0.0001'),
      marketMaxQty: fixed('120'),
      minNotional: 0n,
      percentPriceUp: 0n,
      percentPriceDown: 0n,
      liquidationFeeRate: 0n,
    });
  });

  it('puts the size tiers in notional at the mark, with Binance’s cumulative maintenance amounts', () => {
    const inst = okxInstrument(btc, tiers, '100000');
    // 2,000 contracts of 0.01 BTC at 100,000: 2,000,000 USDT.
    expect(inst.brackets).toEqual([
      {
        bracket: 1,
        initialLeverage: 125,
        notionalFloor: 0n,
        notionalCap: fixed('2000000'),
        maintMarginRatio: fixed('0.004'),
        cum: 0n,
      },
      {
        bracket: 2,
        initialLeverage: 75,
        notionalFloor: fixed('2000000'),
        notionalCap: fixed('5000000'),
        maintMarginRatio: fixed('0.006'),
        // 2,000,000 × (0.6 % − 0.4 %): the requirement is continuous at the boundary.
        cum: fixed('4000'),
      },
    ]);
    expect(maintenanceMargin(inst, fixed('2000000'))).toBe(fixed('8000'));
    expect(maintenanceMargin(inst, fixed('3000000'))).toBe(
      mul(fixed('3000000'), fixed('0.006')) - fixed('4000'),
    );
    // Without a mark the tiers cannot be put in notional: no brackets.
    expect(okxInstrument(btc, tiers, null).brackets).toEqual([]);
  });

  it('refuses tiers it cannot read as one ladder, and what is not a linear USDT swap', () => {
    expect(() => okxInstrument(btc, [tiers[1]!, { ...tiers[0]!, maxSz: '2000' }], '1')).toThrow(
      /does not rise/,
    );
    expect(() => okxInstrument(btc, [tiers[1]!, { ...tiers[0]!, minSz: '2500' }], '1')).toThrow(/gap/);
    expect(() =>
      okxInstrument(btc, [{ ...tiers[1]!, instFamily: 'ETH-USDT', uly: 'ETH-USDT' }], '1'),
    ).toThrow(/ETH-USDT's/);
    expect(() => okxInstrument({ ...btc, instId: 'BTC-USD-SWAP', ctType: 'inverse' }, [], '1')).toThrow(
      /not a linear/,
    );
    expect(() => okxInstrument({ ...btc, tickSz: undefined }, [], '1')).toThrow();
  });

  it('lists the linear USDT swaps only, each with its family’s tiers and its own mark', () => {
    const inverse = {
      ...btc,
      instId: 'BTC-USD-SWAP',
      ctType: 'inverse',
      settleCcy: 'BTC',
      ctVal: '100',
      ctValCcy: 'USD',
    };
    const usdc = {
      ...btc,
      instId: 'BTC-USDC-SWAP',
      settleCcy: 'USDC',
      instFamily: 'BTC-USDC',
      uly: 'BTC-USDC',
    };
    const eth = {
      ...btc,
      instId: 'ETH-USDT-SWAP',
      ctVal: '0.1',
      ctValCcy: 'ETH',
      instFamily: 'ETH-USDT',
      uly: 'ETH-USDT',
    };
    const listed = okxInstruments(
      [btc, inverse, usdc, eth],
      tiers,
      new Map([
        ['BTC-USDT-SWAP', '100000'],
        ['ETH-USDT-SWAP', '3000'],
      ]),
    );
    expect([...listed.keys()]).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(listed.get('BTCUSDT')!.brackets).toHaveLength(2);
    expect(listed.get('ETHUSDT')!.brackets).toEqual([]);
    expect(listed.get('ETHUSDT')!.stepSize).toBe(fixed('0.001'));
    expect([...swapContracts([btc, inverse, eth]).values()]).toEqual([
      { instId: 'BTC-USDT-SWAP', contractSize: fixed('0.01'), lotSz: fixed('0.01'), family: 'BTC-USDT' },
      { instId: 'ETH-USDT-SWAP', contractSize: fixed('0.1'), lotSz: fixed('0.01'), family: 'ETH-USDT' },
    ]);
  });
});

describe('okxListTimes', () => {
  it('dates each linear USDT swap by its listTime, leaves out one without, and refuses one not in ms', () => {
    const eth = { ...btc, instId: 'ETH-USDT-SWAP', listTime: '' };
    const sol = { ...btc, instId: 'SOL-USDT-SWAP', listTime: '0' };
    const inverse = {
      ...btc,
      instId: 'BTC-USD-SWAP',
      ctType: 'inverse',
      settleCcy: 'BTC',
      listTime: 'never',
    };
    expect(Object.fromEntries(okxListTimes([btc, eth, sol, inverse]))).toEqual({ BTCUSDT: 1611916828000 });
    expect(() => okxListTimes([{ ...btc, listTime: '2021-01-29' }])).toThrow(/epoch milliseconds/);
  });
});
