import { describe, expect, it } from 'vitest';
import { fixed } from '../../../domain/ledger/fixed.js';
import type { Instrument } from '../../../domain/ledger/instrument.js';
import { maintenanceMargin } from '../../../domain/ledger/instrument.js';
import { decideOrder, initialOrderState } from '../../../domain/ledger/order.js';
import { bybitInstrument, bybitInstruments, bybitLaunchTimes } from './linear-instruments.js';

// https://bybit-exchange.github.io/docs/v5/market/instrument (Response Example, linear).
const btcusdt = {
  symbol: 'BTCUSDT',
  contractType: 'LinearPerpetual',
  status: 'Trading',
  baseCoin: 'BTC',
  quoteCoin: 'USDT',
  launchTime: '1585526400000',
  deliveryTime: '0',
  deliveryFeeRate: '',
  priceScale: '2',
  leverageFilter: { minLeverage: '1', maxLeverage: '100.00', leverageStep: '0.01' },
  priceFilter: { minPrice: '0.10', maxPrice: '1999999.80', tickSize: '0.10' },
  lotSizeFilter: {
    maxOrderQty: '1190.000',
    minOrderQty: '0.001',
    qtyStep: '0.001',
    postOnlyMaxOrderQty: '1190.000',
    maxMktOrderQty: '500.000',
    minNotionalValue: '5',
  },
  unifiedMarginTrade: true,
  fundingInterval: 480,
  settleCoin: 'USDT',
  copyTrading: 'both',
  upperFundingRate: '0.00375',
  lowerFundingRate: '-0.00375',
  isPreListing: false,
  preListingInfo: null,
  riskParameters: { priceLimitRatioX: '0.01', priceLimitRatioY: '0.02' },
  symbolType: '',
};

// https://bybit-exchange.github.io/docs/v5/market/risk-limit (fields of the Response Example), as a linear
// symbol's tiers: rates as fractions, the first tier's mmDeduction empty.
const tier = (
  id: number,
  riskLimitValue: string,
  mm: string,
  im: string,
  lev: string,
  mmDeduction: string,
) => ({
  id,
  symbol: 'BTCUSDT',
  riskLimitValue,
  maintenanceMargin: mm,
  initialMargin: im,
  isLowestRisk: id === 1 ? 1 : 0,
  maxLeverage: lev,
  mmDeduction,
});
const tiers = [
  tier(2, '2600000', '0.0056', '0.0116', '86.20', '1200'),
  tier(1, '2000000', '0.005', '0.01', '100.00', ''),
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

describe('bybitInstrument', () => {
  it('is one the ledger trades while the venue says "Trading", and refuses in the venue’s words otherwise', () => {
    const listed = bybitInstrument(btcusdt, tiers);
    expect(listed.status).toBe('TRADING');
    expect(placeOn(listed).map((e) => e.type)).toEqual(['OrderRequested']);
    const other = bybitInstrument({ ...btcusdt, status: 'PreLaunch' }, tiers);
    expect(other.status).toBe('PreLaunch');
    expect(() => placeOn(other)).toThrow(/BTCUSDT status is PreLaunch/);
  });

  it('reads the grids, limits and risk tiers of a USDT perpetual', () => {
    const inst = bybitInstrument(btcusdt, tiers);
    expect(inst).toMatchObject({
      venue: 'bybit',
      symbol: 'BTCUSDT',
      contractType: 'LinearPerpetual',
      status: 'TRADING',
      baseAsset: 'BTC',
      quoteAsset: 'USDT',
      marginAsset: 'USDT',
      tickSize: fixed('0.1'),
      minPrice: fixed('0.1'),
      maxPrice: fixed('1999999.8'),
      stepSize: fixed('0.001'),
      minQty: fixed('0.001'),
      maxQty: fixed('1190'),
      marketStepSize: fixed('0.001'),
      marketMinQty: fixed('0.001'),
      marketMaxQty: fixed('500'),
      minNotional: fixed('5'),
      percentPriceUp: 0n,
      percentPriceDown: 0n,
      liquidationFeeRate: 0n,
    });
    expect(inst.brackets).toEqual([
      {
        bracket: 1,
        initialLeverage: 100,
        notionalFloor: 0n,
        notionalCap: fixed('2000000'),
        maintMarginRatio: fixed('0.005'),
        cum: 0n,
      },
      {
        bracket: 2,
        initialLeverage: 86.2,
        notionalFloor: fixed('2000000'),
        notionalCap: fixed('2600000'),
        maintMarginRatio: fixed('0.0056'),
        cum: fixed('1200'),
      },
    ]);
    // Bybit's "position value × MMR − mmDeduction": 2,500,000 × 0.56 % − 1,200.
    expect(maintenanceMargin(inst, fixed('2500000'))).toBe(fixed('12800'));
  });

  it('makes the tiers continuous where Bybit lists no deduction', () => {
    const inst = bybitInstrument(btcusdt, [tiers[1]!, { ...tiers[0]!, mmDeduction: '' }]);
    expect(inst.brackets[1]!.cum).toBe(fixed('1200'));
  });

  it('reads rates printed as percentages, as the documentation’s example does', () => {
    // "maintenanceMargin": "0.5", "initialMargin": "1", "maxLeverage": "100.00".
    const inst = bybitInstrument(btcusdt, [tier(1, '150', '0.5', '1', '100.00', '')]);
    expect(inst.brackets[0]!.maintMarginRatio).toBe(fixed('0.005'));
  });

  it('refuses tiers it cannot read as one ladder', () => {
    expect(() => bybitInstrument(btcusdt, [tier(1, '150', '0.005', '0.05', '100', '')])).toThrow(
      /does not match/,
    );
    expect(() => bybitInstrument(btcusdt, [tiers[1]!, { ...tiers[0]!, riskLimitValue: '2000000' }])).toThrow(
      /does not rise/,
    );
    expect(() => bybitInstrument(btcusdt, [{ ...tiers[1]!, symbol: 'ETHUSDT' }])).toThrow(/ETHUSDT's/);
    expect(() => bybitInstrument({ ...btcusdt, priceFilter: { tickSize: '0.10' } }, [])).toThrow();
  });

  it('lists the USDT perpetuals only, each with its own tiers', () => {
    const usdcPerp = { ...btcusdt, symbol: 'BTCPERP', quoteCoin: 'USDC', settleCoin: 'USDC' };
    const future = { ...btcusdt, symbol: 'BTCUSDT-27MAR26', contractType: 'LinearFutures' };
    const eth = { ...btcusdt, symbol: 'ETHUSDT', baseCoin: 'ETH' };
    const listed = bybitInstruments([btcusdt, usdcPerp, future, eth], tiers);
    expect([...listed.keys()]).toEqual(['BTCUSDT', 'ETHUSDT']);
    expect(listed.get('BTCUSDT')!.brackets).toHaveLength(2);
    expect(listed.get('ETHUSDT')!.brackets).toEqual([]);
  });
});

describe('bybitLaunchTimes', () => {
  it('dates each USDT perpetual by its launchTime, leaves out one without, and refuses one not in ms', () => {
    const eth = { ...btcusdt, symbol: 'ETHUSDT', launchTime: '' };
    const sol = { ...btcusdt, symbol: 'SOLUSDT', launchTime: '0' };
    const usdcPerp = { ...btcusdt, symbol: 'BTCPERP', settleCoin: 'USDC', launchTime: 'never' };
    expect(Object.fromEntries(bybitLaunchTimes([btcusdt, eth, sol, usdcPerp]))).toEqual({
      BTCUSDT: 1585526400000,
    });
    expect(() => bybitLaunchTimes([{ ...btcusdt, launchTime: '2020-03-30' }])).toThrow(/epoch milliseconds/);
  });
});
