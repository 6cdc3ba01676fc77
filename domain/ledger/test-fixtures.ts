import { instrumentsFromBinance } from './binance-metadata.js';
import { LedgerRuleError, refuse } from './errors.js';
import type { Instrument } from './instrument.js';

/**
 * A verbatim excerpt of ../shared/data/meta (exchangeInfo filters of BTCUSDT, ETHUSDT and 1000PEPEUSDT and
 * their first six leverage brackets) so domain tests need no file I/O. adapters/instruments tests the full files.
 */
const exchangeInfo = {
  symbols: [
    {
      symbol: 'BTCUSDT',
      contractType: 'PERPETUAL',
      status: 'TRADING',
      baseAsset: 'BTC',
      quoteAsset: 'USDT',
      marginAsset: 'USDT',
      liquidationFee: '0.020000',
      filters: [
        { maxPrice: '809484', tickSize: '0.10', filterType: 'PRICE_FILTER', minPrice: '261.10' },
        { stepSize: '0.001', filterType: 'LOT_SIZE', minQty: '0.001', maxQty: '1000' },
        { minQty: '0.001', filterType: 'MARKET_LOT_SIZE', stepSize: '0.001', maxQty: '1000' },
        { filterType: 'MIN_NOTIONAL', notional: '100' },
        {
          multiplierDown: '0.9500',
          multiplierUp: '1.0500',
          multiplierDecimal: '4',
          filterType: 'PERCENT_PRICE',
        },
      ],
    },
    {
      symbol: 'ETHUSDT',
      contractType: 'PERPETUAL',
      status: 'TRADING',
      baseAsset: 'ETH',
      quoteAsset: 'USDT',
      marginAsset: 'USDT',
      liquidationFee: '0.020000',
      filters: [
        { filterType: 'PRICE_FILTER', minPrice: '39.86', maxPrice: '306177', tickSize: '0.01' },
        { stepSize: '0.001', filterType: 'LOT_SIZE', minQty: '0.001', maxQty: '10000' },
        { stepSize: '0.001', minQty: '0.001', filterType: 'MARKET_LOT_SIZE', maxQty: '10000' },
        { notional: '20', filterType: 'MIN_NOTIONAL' },
        {
          filterType: 'PERCENT_PRICE',
          multiplierUp: '1.0500',
          multiplierDown: '0.9500',
          multiplierDecimal: '4',
        },
      ],
    },
    {
      symbol: '1000PEPEUSDT',
      contractType: 'PERPETUAL',
      status: 'TRADING',
      baseAsset: '1000PEPE',
      quoteAsset: 'USDT',
      marginAsset: 'USDT',
      liquidationFee: '0.015000',
      filters: [
        { minPrice: '0.0000001', filterType: 'PRICE_FILTER', maxPrice: '200', tickSize: '0.0000001' },
        { filterType: 'LOT_SIZE', minQty: '1', stepSize: '1', maxQty: '10000000' },
        { minQty: '1', maxQty: '10000000', stepSize: '1', filterType: 'MARKET_LOT_SIZE' },
        { filterType: 'MIN_NOTIONAL', notional: '5' },
        {
          multiplierUp: '1.0500',
          filterType: 'PERCENT_PRICE',
          multiplierDecimal: '4',
          multiplierDown: '0.9500',
        },
      ],
    },
  ],
};

const leverageBrackets = [
  {
    symbol: '1000PEPEUSDT',
    brackets: [
      {
        bracket: 1,
        initialLeverage: 75,
        notionalCap: '20000',
        notionalFloor: '0',
        maintMarginRatio: '0.0065',
        cum: '0.0',
      },
      {
        bracket: 2,
        initialLeverage: 50,
        notionalCap: '200000',
        notionalFloor: '20000',
        maintMarginRatio: '0.01',
        cum: '70.0',
      },
      {
        bracket: 3,
        initialLeverage: 40,
        notionalCap: '300000',
        notionalFloor: '200000',
        maintMarginRatio: '0.015',
        cum: '1070.0',
      },
      {
        bracket: 4,
        initialLeverage: 25,
        notionalCap: '1500000',
        notionalFloor: '300000',
        maintMarginRatio: '0.02',
        cum: '2570.0',
      },
      {
        bracket: 5,
        initialLeverage: 20,
        notionalCap: '3000000',
        notionalFloor: '1500000',
        maintMarginRatio: '0.025',
        cum: '10070.0',
      },
      {
        bracket: 6,
        initialLeverage: 10,
        notionalCap: '15000000',
        notionalFloor: '3000000',
        maintMarginRatio: '0.05',
        cum: '85070.0',
      },
    ],
  },
  {
    symbol: 'BTCUSDT',
    brackets: [
      {
        bracket: 1,
        initialLeverage: 125,
        notionalCap: '50000',
        notionalFloor: '0',
        maintMarginRatio: '0.004',
        cum: '0.0',
      },
      {
        bracket: 2,
        initialLeverage: 100,
        notionalCap: '600000',
        notionalFloor: '50000',
        maintMarginRatio: '0.005',
        cum: '50.0',
      },
      {
        bracket: 3,
        initialLeverage: 75,
        notionalCap: '3000000',
        notionalFloor: '600000',
        maintMarginRatio: '0.0065',
        cum: '950.0',
      },
      {
        bracket: 4,
        initialLeverage: 50,
        notionalCap: '12000000',
        notionalFloor: '3000000',
        maintMarginRatio: '0.01',
        cum: '11450.0',
      },
      {
        bracket: 5,
        initialLeverage: 25,
        notionalCap: '70000000',
        notionalFloor: '12000000',
        maintMarginRatio: '0.02',
        cum: '131450.0',
      },
      {
        bracket: 6,
        initialLeverage: 20,
        notionalCap: '100000000',
        notionalFloor: '70000000',
        maintMarginRatio: '0.025',
        cum: '481450.0',
      },
    ],
  },
  {
    symbol: 'ETHUSDT',
    brackets: [
      {
        bracket: 1,
        initialLeverage: 125,
        notionalCap: '50000',
        notionalFloor: '0',
        maintMarginRatio: '0.004',
        cum: '0.0',
      },
      {
        bracket: 2,
        initialLeverage: 100,
        notionalCap: '600000',
        notionalFloor: '50000',
        maintMarginRatio: '0.005',
        cum: '50.0',
      },
      {
        bracket: 3,
        initialLeverage: 75,
        notionalCap: '3000000',
        notionalFloor: '600000',
        maintMarginRatio: '0.0065',
        cum: '950.0',
      },
      {
        bracket: 4,
        initialLeverage: 50,
        notionalCap: '12000000',
        notionalFloor: '3000000',
        maintMarginRatio: '0.01',
        cum: '11450.0',
      },
      {
        bracket: 5,
        initialLeverage: 25,
        notionalCap: '50000000',
        notionalFloor: '12000000',
        maintMarginRatio: '0.02',
        cum: '131450.0',
      },
      {
        bracket: 6,
        initialLeverage: 20,
        notionalCap: '65000000',
        notionalFloor: '50000000',
        maintMarginRatio: '0.025',
        cum: '381450.0',
      },
    ],
  },
];

export const fixtureInstruments = instrumentsFromBinance(exchangeInfo, leverageBrackets);

export const instrument = (symbol: string): Instrument =>
  fixtureInstruments.get(symbol) ?? refuse('unknown-symbol', `no instrument ${symbol}`);

/** The rule a ledger decision refused with, or 'no error': what the deciders' tests compare. */
export const ruleOf = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof LedgerRuleError) return e.rule;
    throw e;
  }
  return 'no error';
};
