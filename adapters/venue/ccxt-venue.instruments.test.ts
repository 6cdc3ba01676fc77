import { afterEach, describe, expect, it } from 'vitest';
import { fixed } from '../../domain/ledger/fixed.js';
import { loadBinanceInstruments } from '../instruments/binance-files.js';
import { FakeBinance } from './testing/fake-binance.js';
import { type Harness, openHarness } from './testing/venue-harness.js';

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
      exchangeInfo: (info) => ({
        ...info,
        symbols: info.symbols.map((s) =>
          s.symbol !== 'BTCUSDT'
            ? s
            : {
                ...s,
                filters: (s.filters as Record<string, unknown>[]).map((f) =>
                  f.filterType === 'PRICE_FILTER' ? { ...f, tickSize: '0.01' } : f,
                ),
              },
        ),
      }),
    });
    h = await openHarness({ fake });
    expect((await h.venue.instrumentBook()).get('BTCUSDT').tickSize).toBe(fixed('0.01'));
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
