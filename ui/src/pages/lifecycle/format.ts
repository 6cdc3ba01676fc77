import type { LifecycleStrategy } from '@/api/lifecycle-types';

/** A share of the capital (0..1) as the page says it: 0.1 → "10 %". */
export const fmtShare = (v: number | null | undefined): string =>
  v === null || v === undefined || !Number.isFinite(v) ? '—' : `${Number((v * 100).toFixed(2))} %`;

/** The canary's capital when the node states the capital as a plain amount; null otherwise. */
export const canaryCapital = (capital: string | null, share: number): string | null => {
  if (capital === null || capital.trim() === '') return null;
  const n = Number(capital);
  return Number.isFinite(n) ? String(Number((n * share).toFixed(2))) : null;
};

/** The stage the real run's evidence belongs to: the canary or prod run on the real account. */
export const realLabel = (s: Pick<LifecycleStrategy, 'stage' | 'realRun'>): string =>
  s.realRun
    ? s.realRun.mode === 'live'
      ? 'prod'
      : 'canary'
    : s.stage === 'prod' || s.stage === 'canary'
      ? s.stage
      : 'canary / prod';
