/** An exchangeInfo answer, as FakeBinance's `exchangeInfo` option and `relist` take it. */
export type Listed = { symbols: Record<string, unknown>[] };

/**
 * The listing with some of one symbol's filters changed, by filter type: `{ PRICE_FILTER: { tickSize:
 * '0.01' } }` is Binance moving the symbol to a finer tick.
 */
export const withFilters =
  (symbol: string, change: Readonly<Record<string, Readonly<Record<string, string>>>>) =>
  (info: Listed): Listed => ({
    ...info,
    symbols: info.symbols.map((x) =>
      x.symbol !== symbol
        ? x
        : {
            ...x,
            filters: (x.filters as Record<string, unknown>[]).map((f) => ({
              ...f,
              ...(change[String(f.filterType)] ?? {}),
            })),
          },
    ),
  });
