import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { instrumentBookOnce } from '../../replay/engine/run.js';
import {
  InstrumentRecordError,
  instrumentFromListing,
  instrumentFromRecord,
  instrumentRecord,
  recordedInstruments,
} from './instrument-record.js';

describe('an instrument recorded with a run', () => {
  it('reads back as the instrument it was, for every recorded listing', async () => {
    const book = await instrumentBookOnce();
    const all = [...book.all.values()];
    expect(all.length).toBeGreaterThan(100);
    fc.assert(
      fc.property(fc.constantFrom(...all), (inst) => {
        const rec = JSON.parse(JSON.stringify(instrumentRecord(inst))) as unknown;
        expect(instrumentFromRecord(rec, 'test')).toEqual(inst);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a record that is not a listing, naming the field', async () => {
    const inst = (await instrumentBookOnce()).get('BTCUSDT');
    const rec = instrumentRecord(inst);
    expect(() => instrumentFromRecord({ ...rec, tickSize: '-0.1' }, 'run-x BTCUSDT')).toThrow(
      /run-x BTCUSDT: not an instrument listing: tickSize/,
    );
    expect(() =>
      instrumentFromRecord({ ...rec, brackets: [{ ...rec.brackets[0]!, cum: 'x' }] }, 'w'),
    ).toThrow(/brackets.0.cum/);
    expect(() => instrumentFromRecord({ ...rec, extra: 1 }, 'w')).toThrow(InstrumentRecordError);
    const { baseAsset: _b, ...noIdentity } = rec;
    expect(() => instrumentFromRecord(noIdentity, 'w')).toThrow(/baseAsset/);
  });

  it('fills in a USDT perpetual’s identity for a listing recorded without one', async () => {
    const inst = (await instrumentBookOnce()).get('ETHUSDT');
    const { contractType: _c, baseAsset: _b, quoteAsset: _q, ...listing } = instrumentRecord(inst);
    expect(instrumentFromListing(listing, 'w')).toEqual(inst);
  });

  it('takes a run’s listings by symbol, and refuses one filed under another symbol', async () => {
    const book = await instrumentBookOnce();
    const btc = instrumentRecord(book.get('BTCUSDT'));
    expect(recordedInstruments({ feeTier: 'VIP0' }, 'r')).toBeNull();
    expect(recordedInstruments({ instruments: { BTCUSDT: btc } }, 'r')?.get('BTCUSDT')).toEqual(
      book.get('BTCUSDT'),
    );
    expect(() => recordedInstruments({ instruments: { ETHUSDT: btc } }, 'r')).toThrow(
      /r: config.instruments.ETHUSDT is the listing of BTCUSDT/,
    );
    expect(() => recordedInstruments({ instruments: [btc] }, 'r')).toThrow(/not a listing by symbol/);
  });
});
