/**
 * Display formatting. Money and quantities arrive as decimal strings to stay exact on the wire; they are
 * turned into numbers only here, for display and colour, never for arithmetic that is sent back.
 */
export const toNumber = (v: string | number | null | undefined): number | null => {
  if (v === null || v === undefined || v === '') return null;
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) ? n : null;
};

const money = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export const fmtMoney = (v: string | number | null | undefined): string => {
  const n = toNumber(v);
  return n === null ? '—' : money.format(n);
};

export const fmtSigned = (v: string | number | null | undefined): string => {
  const n = toNumber(v);
  if (n === null) return '—';
  return (n > 0 ? '+' : '') + money.format(n);
};

/** Keeps the venue's own precision: a quantity's string is already on the instrument's step grid. */
export const fmtDecimal = (v: string | number | null | undefined): string =>
  v === null || v === undefined || v === '' ? '—' : String(v);

export const fmtPct = (v: number | null | undefined, digits = 2): string =>
  v === null || v === undefined || !Number.isFinite(v) ? '—' : `${(v * 100).toFixed(digits)}%`;

const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

/** Large amounts at a glance: 1234567 → 1.2M. */
export const fmtCompact = (v: number | null | undefined): string =>
  v === null || v === undefined || !Number.isFinite(v) ? '—' : compact.format(v);

/** A fraction as a signed percentage: 0.05 → +5.00%. */
export const fmtSignedPct = (v: number | null | undefined, digits = 2): string =>
  v === null || v === undefined || !Number.isFinite(v)
    ? '—'
    : `${v > 0 ? '+' : ''}${(v * 100).toFixed(digits)}%`;

export const fmtNum = (v: number | null | undefined, digits = 2): string =>
  v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits);

/** Accepts epoch milliseconds or an ISO string: the log's domain time comes either way. */
export const toMillis = (t: string | number | null | undefined): number | null => {
  if (t === null || t === undefined) return null;
  if (typeof t === 'number') return Number.isFinite(t) ? t : null;
  const asNumber = Number(t);
  if (t.trim() !== '' && Number.isFinite(asNumber)) return asNumber;
  const parsed = Date.parse(t);
  return Number.isFinite(parsed) ? parsed : null;
};

export const fmtTime = (t: string | number | null | undefined): string => {
  const ms = toMillis(t);
  return ms === null ? '—' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
};

export const pnlClass = (v: string | number | null | undefined): string => {
  const n = toNumber(v);
  if (n === null || n === 0) return 'text-muted-foreground';
  return n > 0 ? 'text-positive' : 'text-destructive';
};

/** A measure as it was recorded, without padding: 0.7 stays 0.7, 1e-7 is not rounded to 0. */
export const fmtMeasure = (v: number | null | undefined): string => {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  if (v !== 0 && Math.abs(v) < 1e-4) return v.toExponential(3);
  return String(Number(v.toFixed(6)));
};
