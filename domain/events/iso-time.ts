/**
 * `new Date(ms).toISOString()` for the instants an event log writes, without a Date per call.
 *
 * Every event carries its domain time as ISO text, and a backtest writes a few hundred thousand of them
 * over instants that are nearly all different (one per bar), so the per-instant cache the stores keep
 * does not help there: building a Date and asking it for its text was ~4 % of a reference run. The day's
 * "YYYY-MM-DDT" changes once per 86,400,000 ms and is kept; the time of day is plain integer arithmetic.
 * Instants outside 1970–9999 (negative or six-digit years) and non-integers fall back to Date, which is
 * the definition; a property test holds the two equal.
 */
export class IsoTime {
  private day = Number.NaN;
  private prefix = '';
  private lastMs = Number.NaN;
  private lastText = '';

  format(ms: number): string {
    if (ms === this.lastMs) return this.lastText;
    this.lastMs = ms;
    if (!(ms >= 0 && ms < MAX_MS) || !Number.isInteger(ms)) {
      this.lastText = new Date(ms).toISOString();
      return this.lastText;
    }
    const day = Math.floor(ms / DAY_MS);
    if (day !== this.day) {
      this.day = day;
      this.prefix = new Date(day * DAY_MS).toISOString().slice(0, 11);
    }
    let rest = ms - day * DAY_MS;
    const milli = rest % 1000;
    rest = (rest - milli) / 1000;
    const sec = rest % 60;
    rest = (rest - sec) / 60;
    const min = rest % 60;
    const hour = (rest - min) / 60;
    this.lastText = `${this.prefix}${TWO[hour]}:${TWO[min]}:${TWO[sec]}.${THREE[milli]}Z`;
    return this.lastText;
  }
}

const DAY_MS = 86_400_000;
/** 10000-01-01T00:00:00.000Z: from there on Date writes a six-digit, signed year. */
const MAX_MS = 253_402_300_800_000;
const TWO: readonly string[] = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const THREE: readonly string[] = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
