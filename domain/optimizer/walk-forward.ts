import type { ParameterSpace, Params } from './space.js';

/**
 * Walk-forward analysis: optimise on an in-sample window, run the winner on the out-of-sample window that
 * follows, move on. Times are domain milliseconds (the data's clock); windows are half-open [start, end).
 *
 * `rolling:90d/30d`  — 90 days in-sample, 30 out, both slide by 30 (the OOS length) each step.
 * `anchored:90d/30d` — in-sample always starts at the range start and grows by 30 each step.
 * `rolling:90d/30d/15d` — an explicit step (overlapping OOS windows are then the caller's choice).
 * A gap (embargo) between in- and out-of-sample keeps labels that look ahead from leaking across.
 */

export type WalkForwardMode = 'rolling' | 'anchored';

export interface WalkForwardSpec {
  readonly mode: WalkForwardMode;
  readonly inSample: number;
  readonly outOfSample: number;
  /** Default: outOfSample, so OOS windows tile the range. */
  readonly step?: number;
  /** Embargo between in-sample end and out-of-sample start (default 0). */
  readonly gap?: number;
}

export interface TimeRange {
  readonly start: number;
  readonly end: number;
}

export interface WalkForwardWindow {
  readonly index: number;
  readonly inSample: TimeRange;
  readonly outOfSample: TimeRange;
}

export class WalkForwardError extends Error {
  override readonly name = 'WalkForwardError';
}

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `90d`, `12h`, `2w`, `30m` → milliseconds. */
export const parseDuration = (text: string): number => {
  const m = /^(\d+(?:\.\d+)?)([mhdw])$/.exec(text.trim());
  if (!m)
    throw new WalkForwardError(
      `duration ${JSON.stringify(text)}: expected a number and a unit m, h, d or w (e.g. 90d)`,
    );
  const ms = Number(m[1]) * UNIT_MS[m[2]!]!;
  if (!(ms > 0)) throw new WalkForwardError(`duration ${JSON.stringify(text)} must be positive`);
  return ms;
};

export const parseWalkForward = (text: string, gap = 0): WalkForwardSpec => {
  const m = /^(rolling|anchored):([^/]+)\/([^/]+)(?:\/([^/]+))?$/.exec(text.trim());
  if (!m)
    throw new WalkForwardError(
      `walk-forward ${JSON.stringify(text)}: expected rolling:<in>/<out>[/<step>] or anchored:<in>/<out>[/<step>], e.g. rolling:90d/30d`,
    );
  return {
    mode: m[1] as WalkForwardMode,
    inSample: parseDuration(m[2]!),
    outOfSample: parseDuration(m[3]!),
    ...(m[4] ? { step: parseDuration(m[4]) } : {}),
    ...(gap ? { gap } : {}),
  };
};

/** Every complete window that fits in the range, in time order; throws if none does. */
/** More windows than any sensible walk-forward (ten years of daily steps are 3,650). */
export const MAX_WINDOWS = 10_000;

export const walkForwardWindows = (spec: WalkForwardSpec, range: TimeRange): WalkForwardWindow[] => {
  const step = spec.step ?? spec.outOfSample;
  const gap = spec.gap ?? 0;
  for (const [name, v] of [
    ['inSample', spec.inSample],
    ['outOfSample', spec.outOfSample],
    ['step', step],
  ] as const) {
    if (!(v > 0) || !Number.isFinite(v))
      throw new WalkForwardError(`${name} must be a positive duration, got ${v}`);
  }
  if (!(gap >= 0)) throw new WalkForwardError(`gap must be ≥ 0, got ${gap}`);
  if (!(range.end > range.start)) throw new WalkForwardError('the time range is empty');
  if (!Number.isFinite(range.start) || !Number.isFinite(range.end))
    throw new WalkForwardError('the time range must have finite ends');
  // Counted before any is built: a range of centuries cut into minute steps would exhaust the memory.
  const count = Math.floor((range.end - range.start - spec.inSample - gap - spec.outOfSample) / step) + 1;
  if (count > MAX_WINDOWS)
    throw new WalkForwardError(
      `${count} windows would fit this range at this step; at most ${MAX_WINDOWS}: lengthen the step or shorten the range`,
    );
  const windows: WalkForwardWindow[] = [];
  for (let k = 0; ; k++) {
    const isStart = spec.mode === 'rolling' ? range.start + k * step : range.start;
    const isEnd = spec.mode === 'rolling' ? isStart + spec.inSample : range.start + spec.inSample + k * step;
    const oosStart = isEnd + gap;
    const oosEnd = oosStart + spec.outOfSample;
    if (oosEnd > range.end) break;
    windows.push({
      index: k,
      inSample: { start: isStart, end: isEnd },
      outOfSample: { start: oosStart, end: oosEnd },
    });
  }
  if (windows.length === 0) {
    const need = spec.inSample + gap + spec.outOfSample;
    throw new WalkForwardError(
      `the range holds ${(range.end - range.start) / 86_400_000} days; one window needs ${need / 86_400_000}`,
    );
  }
  return windows;
};

export interface EquitySegment {
  /** Timestamps of the equity points (ascending). */
  readonly times: readonly number[];
  /** Equity of the window's own run, from its own starting capital. */
  readonly equity: readonly number[];
}

export interface StitchedEquity {
  readonly times: number[];
  readonly equity: number[];
  /** Index into times/equity where each segment starts. */
  readonly segmentStarts: number[];
}

/**
 * One out-of-sample curve from per-window runs that each started from fresh capital: each segment is
 * rescaled to continue from where the previous one ended (its returns compound), and the first point of
 * every later segment is dropped because it equals the previous segment's last.
 */
export const stitchEquity = (segments: readonly EquitySegment[], initialCapital: number): StitchedEquity => {
  if (!(initialCapital > 0)) throw new WalkForwardError('initial capital must be positive');
  const times: number[] = [];
  const equity: number[] = [];
  const segmentStarts: number[] = [];
  let level = initialCapital;
  segments.forEach((seg, s) => {
    if (seg.times.length !== seg.equity.length || seg.equity.length === 0) {
      throw new WalkForwardError(`segment ${s}: times and equity must be non-empty and the same length`);
    }
    if (!(seg.equity[0]! > 0)) throw new WalkForwardError(`segment ${s}: starting equity must be positive`);
    const last = times[times.length - 1];
    if (last !== undefined && seg.times[0]! < last) {
      throw new WalkForwardError(
        `segment ${s} starts at ${seg.times[0]} before the previous one ends at ${last}`,
      );
    }
    const scale = level / seg.equity[0]!;
    const from = s === 0 ? 0 : 1;
    segmentStarts.push(times.length - (s === 0 ? 0 : 1));
    for (let i = from; i < seg.equity.length; i++) {
      times.push(seg.times[i]!);
      equity.push(seg.equity[i]! * scale);
    }
    level = seg.equity[seg.equity.length - 1]! * scale;
  });
  return { times, equity, segmentStarts };
};

export interface WindowPerformance {
  /** Total return over the window (0.05 = +5%). */
  readonly inSampleReturn: number;
  readonly inSampleDuration: number;
  readonly outOfSampleReturn: number;
  readonly outOfSampleDuration: number;
}

export interface WalkForwardEfficiency {
  /** Annualised OOS return ÷ annualised IS return per window; NaN where IS did not make money. */
  readonly perWindow: readonly number[];
  /** Pooled: OOS return per unit OOS time ÷ IS return per unit IS time, over all windows. */
  readonly overall: number;
  readonly median: number;
}

/**
 * Pardo's walk-forward efficiency: how much of the in-sample rate of return survives out of sample. Rates
 * are scaled linearly by time (not compounded) because short windows compounded to a year explode.
 * Around 0.5 or more is usually read as a robust strategy; near 0 or negative, the optimisation fitted noise.
 */
export const walkForwardEfficiency = (windows: readonly WindowPerformance[]): WalkForwardEfficiency => {
  const perWindow = windows.map((w) => {
    const isRate = w.inSampleReturn / w.inSampleDuration;
    return isRate > 0 ? w.outOfSampleReturn / w.outOfSampleDuration / isRate : Number.NaN;
  });
  const sum = (f: (w: WindowPerformance) => number) => windows.reduce((s, w) => s + f(w), 0);
  const isRate = sum((w) => w.inSampleReturn) / sum((w) => w.inSampleDuration);
  const oosRate = sum((w) => w.outOfSampleReturn) / sum((w) => w.outOfSampleDuration);
  const finite = perWindow.filter(Number.isFinite).sort((a, b) => a - b);
  const median =
    finite.length === 0
      ? Number.NaN
      : finite.length % 2
        ? finite[(finite.length - 1) / 2]!
        : (finite[finite.length / 2 - 1]! + finite[finite.length / 2]!) / 2;
  return { perWindow, overall: isRate > 0 ? oosRate / isRate : Number.NaN, median };
};

export interface DimensionStability {
  readonly name: string;
  readonly values: readonly (number | string | boolean)[];
  /**
   * 1 = the same value in every window, 0 = as scattered as uniform random picks, < 0 = worse. Ordered
   * dimensions: 1 − σ/σ_uniform on the unit scale (σ_uniform = 1/√12); categorical: the modal share
   * rescaled so that 1/levels maps to 0.
   */
  readonly stability: number;
}

export interface ParameterStability {
  readonly dimensions: readonly DimensionStability[];
  /** Mean over dimensions. */
  readonly overall: number;
}

export const parameterStability = <P extends Params>(
  space: ParameterSpace<P>,
  chosen: readonly P[],
): ParameterStability => {
  if (chosen.length < 2)
    throw new WalkForwardError('parameter stability needs the choices of at least 2 windows');
  const units = chosen.map((p) => space.encode(p));
  const dimensions = space.dimensions.map((d, i) => {
    const values = chosen.map((p) => p[d.name]!);
    let stability: number;
    if (d.spec.kind === 'choice') {
      const counts = new Map<unknown, number>();
      for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
      const modal = Math.max(...counts.values()) / values.length;
      stability = (modal - 1 / d.levels) / (1 - 1 / d.levels);
    } else {
      const xs = units.map((u) => u[i]!);
      const m = xs.reduce((s, x) => s + x, 0) / xs.length;
      // Identical picks must score exactly 1, not 1 − 1e-16 from the rounding of the mean.
      const sd = xs.every((x) => x === xs[0])
        ? 0
        : Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1));
      stability = 1 - sd * Math.sqrt(12);
    }
    return { name: d.name, values, stability };
  });
  return { dimensions, overall: dimensions.reduce((s, d) => s + d.stability, 0) / dimensions.length };
};
