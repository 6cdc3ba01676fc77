import { describe, expect, it } from 'vitest';
import { type Fixed, fixed, roundedProduct, toText } from './fixed.js';
import { bybitLinear, okxSwap, venueRules } from './venue.js';

/** A fill's fee as SettleFill charges it: quantity × price × rate, rounded once to the venue's money grid. */
const fee = (qty: string, price: string, rate: Fixed): string =>
  toText(
    roundedProduct([fixed(qty), fixed(price), rate], bybitLinear.moneyDecimals, bybitLinear.feeRounding),
  );

describe('Bybit USDT perpetual venue rules', () => {
  it('are registered as bybit', () => {
    expect(venueRules.bybit).toBe(bybitLinear);
    expect(bybitLinear.venue).toBe('bybit');
  });

  // Bybit's "Trading Fee Structure" (https://www.bybit.com/en/help-center/article/Trading-Fee-Structure),
  // its USDT perpetual example as the page gives it: "Trading fee = Order value × Fee rate", order value
  // = quantity × execution price; 10 BTC executed at 8,000 USDT pay 44 USDT as taker and 16 USDT as maker
  // at the Non-VIP rates.
  it('charges the Non-VIP rates of Bybit’s worked example', () => {
    const { maker, taker } = bybitLinear.feeTiers.VIP0!;
    expect(fee('10', '8000', taker)).toBe('44');
    expect(fee('10', '8000', maker)).toBe('16');
  });

  // https://bybit-exchange.github.io/docs/v5/account/transaction-log (Response Example): XRPUSDT fills of
  // 88 and 12 at 0.3615 with feeRate 0.0006 charged "0.01908720" and "0.00260280".
  it('books the fees of Bybit’s transaction log to the last of its 8 places', () => {
    expect(fee('88', '0.3615', fixed('0.0006'))).toBe('0.0190872');
    expect(fee('12', '0.3615', fixed('0.0006'))).toBe('0.0026028');
  });
});

/** A fill's fee at OKX's rules: quantity × price × rate, rounded once to OKX's money grid. */
const okxFee = (qty: string, price: string, rate: Fixed): string =>
  toText(roundedProduct([fixed(qty), fixed(price), rate], okxSwap.moneyDecimals, okxSwap.feeRounding));

describe('OKX USDT-margined swap venue rules', () => {
  it('are registered as okx', () => {
    expect(venueRules.okx).toBe(okxSwap);
    expect(okxSwap.venue).toBe('okx');
  });

  // OKX charges "Trading fee = Number of contracts × Contract value × Price × Fee rate"; the ledger's
  // quantity is already contracts × contract value. 3 contracts of BTC-USDT-SWAP (0.01 BTC each) = 0.03 BTC
  // at 100,000.1 USDT, at the regular-user (Lv1) rates of https://www.okx.com/fees: 0.05 % taker, 0.02 %
  // maker.
  it('charges the regular-user rates on a swap fill', () => {
    const { maker, taker } = okxSwap.feeTiers.VIP0!;
    expect(okxFee('0.03', '100000.1', taker)).toBe('1.5000015');
    expect(okxFee('0.03', '100000.1', maker)).toBe('0.6000006');
  });

  // The bill of https://www.okx.com/docs-v5/en/#trading-account-rest-api-get-bills-details-last-7-days
  // (Response Example) charged "-0.000021955779" on a fill of 0.021955779 at a 0.1 % rate: OKX keeps the
  // exact product to its 12th place, where an 8-place venue would have booked 0.00002196.
  it('keeps the places OKX keeps: its documented fee is exact, not rounded to 8', () => {
    expect(okxFee('0.021955779', '1', fixed('0.001'))).toBe('0.000021955779');
    // A product past 16 places is rounded there, half-up.
    expect(okxFee('0.00000001', '0.00000001', fixed('0.5'))).toBe('0.0000000000000001');
  });
});
