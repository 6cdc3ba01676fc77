/**
 * Indicator state per traded symbol. Built for the symbols known at setup and, lazily, for one that
 * first shows up later (a hot list may add it); after that a bar costs one Map lookup, or none when
 * the same symbol comes twice in a row (a single-symbol run).
 */
export class PerSymbol<S> {
  private readonly states = new Map<string, S>();
  private lastSymbol = '';
  private last: S | undefined;

  constructor(
    private readonly make: (symbol: string) => S,
    symbols: readonly string[] = [],
  ) {
    for (const s of symbols) this.states.set(s, make(s));
  }

  get(symbol: string): S {
    if (symbol === this.lastSymbol && this.last !== undefined) return this.last;
    let s = this.states.get(symbol);
    if (s === undefined) {
      s = this.make(symbol);
      this.states.set(symbol, s);
    }
    this.lastSymbol = symbol;
    this.last = s;
    return s;
  }
}
