import { describe, expect, it } from 'vitest';
import { type Fixed, fixed, roundedProduct, toText } from './fixed.js';
import { bybitLinear, venueRules } from './venue.js';

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
