import { Play } from 'lucide-react';
import { type FormEvent, useState } from 'react';
import { ApiError } from '@/api/client';
import { useStartBacktest, useStrategies } from '@/api/hooks';
import { type BacktestRequest, backtestRequestSchema, issuesByField } from '@/api/schemas';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { Input } from '@/components/ui/input';
import { Select } from '@/components/ui/select';
import { ParamsEditor } from './params-editor';

/** The symbols ../shared/data holds for the whole span; others can be typed in. */
const knownSymbols = ['BTCUSDT', 'ETHUSDT', 'LTCUSDT', 'SUIUSDT', '1000PEPEUSDT'];
const timeframes = ['5m', '1h'];

interface FormState {
  strategyId: string;
  symbols: string;
  timeframe: string;
  from: string;
  to: string;
  seed: string;
  balance: string;
  leverage: string;
  venue: 'binance' | 'bybit' | 'okx';
  feeTier: string;
  /** The account's own rates in place of the tier's; both empty sends none. */
  makerRate: string;
  takerRate: string;
  params: Record<string, string>;
}

/**
 * Each venue's fee tiers the ledger knows (domain/ledger/venue.ts): Binance USDⓈ-M's regular tiers, and
 * Bybit's and OKX's regular-user tier (their VIP rates could not be confirmed). The server refuses any other.
 */
const feeTiers: Record<FormState['venue'], string[]> = {
  binance: Array.from({ length: 10 }, (_, i) => `VIP${i}`),
  bybit: ['VIP0'],
  okx: ['VIP0'],
};
const venues = ['binance', 'bybit', 'okx'] as const;
const venueNames: Record<FormState['venue'], string> = { binance: 'Binance', bybit: 'Bybit', okx: 'OKX' };

const initial: FormState = {
  strategyId: '',
  symbols: 'BTCUSDT',
  timeframe: '1h',
  from: '2023-01-01',
  to: '2023-02-01',
  seed: '1',
  balance: '10000',
  leverage: '5',
  venue: 'binance',
  feeTier: 'VIP0',
  makerRate: '',
  takerRate: '',
  params: {},
};

/** Form strings → the POST body, typed by each parameter's default so "20" goes out as 20. */
function toRequest(f: FormState, defaults: Record<string, unknown>): unknown {
  const params: Record<string, unknown> = {};
  for (const [k, raw] of Object.entries(f.params)) {
    const def = defaults[k];
    if (typeof def === 'number') params[k] = raw.trim() === '' ? Number.NaN : Number(raw);
    else if (typeof def === 'boolean') params[k] = raw === 'true';
    else params[k] = raw;
  }
  // One rate without the other goes out as it is, so the schema says which one is missing.
  const maker = f.makerRate.trim();
  const taker = f.takerRate.trim();
  return {
    strategyId: f.strategyId,
    symbols: f.symbols
      .split(/[\s,]+/)
      .map((s) => s.trim().toUpperCase())
      .filter(Boolean),
    timeframe: f.timeframe || undefined,
    from: f.from || undefined,
    to: f.to || undefined,
    seed: f.seed.trim() === '' ? undefined : Number(f.seed),
    initialBalance: f.balance.trim() === '' ? undefined : f.balance.trim(),
    leverage: f.leverage.trim() === '' ? undefined : Number(f.leverage),
    venue: f.venue === 'binance' ? undefined : f.venue,
    feeTier: f.feeTier || undefined,
    feeRates:
      maker === '' && taker === '' ? undefined : { maker: maker || undefined, taker: taker || undefined },
    params: Object.keys(params).length > 0 ? params : undefined,
  };
}

export function BacktestForm({ onStarted }: { onStarted: (runId: string) => void }) {
  const strategies = useStrategies();
  const start = useStartBacktest();
  const [form, setForm] = useState<FormState>(initial);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const list = strategies.data ?? [];
  const strategyId = form.strategyId || list[0]?.strategyId || '';
  const chosen = list.find((s) => s.strategyId === strategyId);
  const defaults = chosen?.params ?? {};
  // A strategy fed trades and books runs on its own timeframe over the capture (../shared/data has six
  // minutes of BTCUSDT): empty dates ask the server for the whole span the data covers.
  const ticks = chosen?.feeds === 'ticks';

  const set = (patch: Partial<FormState>) => setForm((f) => ({ ...f, ...patch }));
  const choose = (id: string) => {
    const next = list.find((s) => s.strategyId === id);
    if (next?.feeds === 'ticks')
      set({ strategyId: id, params: {}, timeframe: '', from: '', to: '', symbols: 'BTCUSDT' });
    else if (ticks) set({ ...initial, strategyId: id });
    else set({ strategyId: id, params: {} });
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const parsed = backtestRequestSchema.safeParse(toRequest({ ...form, strategyId }, defaults));
    if (!parsed.success) {
      setErrors(issuesByField(parsed.error.issues));
      return;
    }
    setErrors({});
    const body: BacktestRequest = parsed.data;
    start.mutate(body, {
      onSuccess: (r) => onStarted(r.runId),
      onError: (err) => {
        if (err instanceof ApiError && err.issues.length > 0) {
          setErrors(issuesByField(err.issues as { path: (string | number)[]; message: string }[]));
        } else setErrors({ form: err instanceof Error ? err.message : String(err) });
      },
    });
  };

  return (
    <form onSubmit={submit} className="space-y-3" noValidate data-testid="backtest-form">
      <div className="grid gap-3 sm:grid-cols-2">
        <Field id="bt-strategy" label="strategy" error={errors.strategyId}>
          <Select
            id="bt-strategy"
            value={strategyId}
            aria-invalid={Boolean(errors.strategyId)}
            onChange={(e) => choose(e.target.value)}
          >
            {list.map((s) => (
              <option key={s.strategyId} value={s.strategyId}>
                {s.strategyId}
              </option>
            ))}
          </Select>
        </Field>
        <Field id="bt-symbols" label="symbols (comma separated)" error={errors.symbols}>
          <Input
            id="bt-symbols"
            list="bt-symbol-options"
            value={form.symbols}
            aria-invalid={Boolean(errors.symbols)}
            onChange={(e) => set({ symbols: e.target.value })}
          />
          <datalist id="bt-symbol-options">
            {knownSymbols.map((s) => (
              <option key={s} value={s} />
            ))}
          </datalist>
        </Field>
        <Field
          id="bt-from"
          label={ticks ? 'from (UTC; empty: the whole capture)' : 'from (UTC)'}
          error={errors.from}
        >
          <Input id="bt-from" type="date" value={form.from} onChange={(e) => set({ from: e.target.value })} />
        </Field>
        <Field id="bt-to" label={ticks ? 'to (UTC; empty: the whole capture)' : 'to (UTC)'} error={errors.to}>
          <Input
            id="bt-to"
            type="date"
            value={form.to}
            aria-invalid={Boolean(errors.to)}
            onChange={(e) => set({ to: e.target.value })}
          />
        </Field>
        <Field id="bt-timeframe" label="timeframe" error={errors.timeframe}>
          <Select
            id="bt-timeframe"
            value={ticks ? '' : form.timeframe}
            disabled={ticks}
            onChange={(e) => set({ timeframe: e.target.value })}
          >
            {ticks ? (
              <option value="">{chosen?.timeframe} (trades and book)</option>
            ) : (
              timeframes.map((t) => <option key={t}>{t}</option>)
            )}
          </Select>
        </Field>
        <Field id="bt-seed" label="seed" error={errors.seed}>
          <Input
            id="bt-seed"
            inputMode="numeric"
            value={form.seed}
            aria-invalid={Boolean(errors.seed)}
            onChange={(e) => set({ seed: e.target.value })}
          />
        </Field>
        <Field id="bt-balance" label="balance (USDT)" error={errors.initialBalance}>
          <Input
            id="bt-balance"
            inputMode="decimal"
            value={form.balance}
            aria-invalid={Boolean(errors.initialBalance)}
            onChange={(e) => set({ balance: e.target.value })}
          />
        </Field>
        <Field id="bt-leverage" label="leverage" error={errors.leverage}>
          <Input
            id="bt-leverage"
            inputMode="numeric"
            value={form.leverage}
            aria-invalid={Boolean(errors.leverage)}
            onChange={(e) => set({ leverage: e.target.value })}
          />
        </Field>
        <Field id="bt-venue" label="venue's fees" error={errors.venue}>
          <Select
            id="bt-venue"
            value={form.venue}
            onChange={(e) => {
              const venue = venues.find((v) => v === e.target.value) ?? 'binance';
              // A tier the other venue does not have would be refused: its first tier instead.
              set({ venue, feeTier: feeTiers[venue].includes(form.feeTier) ? form.feeTier : 'VIP0' });
            }}
          >
            {venues.map((v) => (
              <option key={v} value={v}>
                {venueNames[v]}
              </option>
            ))}
          </Select>
        </Field>
        <Field id="bt-fee-tier" label="fee tier" error={errors.feeTier}>
          <Select id="bt-fee-tier" value={form.feeTier} onChange={(e) => set({ feeTier: e.target.value })}>
            {feeTiers[form.venue].map((t) => (
              <option key={t}>{t}</option>
            ))}
          </Select>
        </Field>
        <Field id="bt-fee-maker" label="own fee rates (optional)" error={errors.feeRates}>
          <div className="flex gap-2" data-testid="bt-fee-rates">
            <Input
              id="bt-fee-maker"
              aria-label="own maker rate"
              placeholder="maker, e.g. -0.0001"
              value={form.makerRate}
              aria-invalid={Boolean(errors.feeRates)}
              onChange={(e) => set({ makerRate: e.target.value })}
            />
            <Input
              id="bt-fee-taker"
              aria-label="own taker rate"
              inputMode="decimal"
              placeholder="taker, e.g. 0.0004"
              value={form.takerRate}
              aria-invalid={Boolean(errors.feeRates)}
              onChange={(e) => set({ takerRate: e.target.value })}
            />
          </div>
          <p className="text-[11px] text-muted-foreground">
            fractions of the notional, in place of the tier's rates; a negative maker rate is a rebate
          </p>
        </Field>
      </div>
      <ParamsEditor
        defaults={defaults}
        values={form.params}
        onChange={(params) => set({ params })}
        error={errors.params}
      />
      {errors.form && (
        <p className="text-xs text-destructive" role="alert" data-testid="field-error">
          {errors.form}
        </p>
      )}
      <Button type="submit" disabled={start.isPending || !strategyId} data-testid="start-backtest">
        <Play /> {start.isPending ? 'starting…' : 'Run backtest'}
      </Button>
    </form>
  );
}
