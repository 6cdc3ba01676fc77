import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { instrumentsFromBinance } from '../../domain/ledger/binance-metadata.js';
import { refuse } from '../../domain/ledger/errors.js';
import type { Instrument } from '../../domain/ledger/instrument.js';

/** The checked-in Binance metadata (../shared/data/meta next to the repository). */
export const defaultMetaDir = fileURLToPath(new URL('../../../shared/data/meta/', import.meta.url));

export interface InstrumentBook {
  readonly all: ReadonlyMap<string, Instrument>;
  /** Looks a symbol up; an unknown symbol is a rule violation, not a crash, so commands can report it. */
  readonly get: (symbol: string) => Instrument;
}

export const instrumentBook = (all: ReadonlyMap<string, Instrument>): InstrumentBook => ({
  all,
  get: (symbol) =>
    all.get(symbol) ?? refuse('unknown-symbol', `no instrument ${symbol} in the venue metadata`),
});

/** Reads exchange-info.json and leverage-brackets.json (GET /fapi/v1/exchangeInfo and /fapi/v1/leverageBracket shapes). */
export const loadBinanceInstruments = async (dir: string = defaultMetaDir): Promise<InstrumentBook> => {
  const [info, brackets] = await Promise.all([
    readFile(`${dir.replace(/\/?$/, '/')}exchange-info.json`, 'utf8'),
    readFile(`${dir.replace(/\/?$/, '/')}leverage-brackets.json`, 'utf8'),
  ]);
  return instrumentBook(instrumentsFromBinance(JSON.parse(info), JSON.parse(brackets)));
};
