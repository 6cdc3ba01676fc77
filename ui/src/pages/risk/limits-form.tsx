import { type FormEvent, useMemo, useState } from 'react';
import { useSetRiskLimits } from '@/api/risk-limits-hooks';
import type { LimitScope, LimitsPatch, RiskLimitsView, SetRiskLimitsResult } from '@/api/risk-limits-types';
import { issuesByField } from '@/api/schemas';
import { ApiRefusal, ApproverField } from '@/components/approver-action';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { Input } from '@/components/ui/input';
import { Select } from '@/components/ui/select';
import { useApprover } from '@/hooks/approver';
import { limitScopes, limitsPatchSchema } from '../../../../domain/risk/limit-changes';
import { type RuleName, ruleNames } from '../../../../domain/risk/limits';
import { fmtLimit, layerName, type NumberLimit, numberLimits, patchLine, sameLimit } from './limit-fields';

/** The server's limit on a reason (POST /api/risk/limits). */
const maxReason = 500;

/** What the person can do about a refusal, where the server's message alone does not say it. */
const hints: Record<string, string> = {
  forbidden: 'The user id must be one of PERPETUA_APPROVERS on the server.',
  approvals_disabled: 'The server has no approvers: start it with PERPETUA_APPROVERS=<user>[,<user>…].',
  invalid_request:
    'Each limit has its range (the message names the field); the reason takes at most 500 characters, the user id letters, digits and . @ _ - (at most 64).',
  invalid_change:
    'The key is the account id, the strategy id, the symbol in capitals (BTCUSDT) or <strategyId>:<symbol>; the defaults take none.',
};

const keyHint: Record<Exclude<LimitScope, 'defaults'>, string> = {
  account: 'an account id, e.g. paper-ema-cross',
  strategy: 'a strategy id, e.g. ema-cross',
  symbol: 'a symbol, e.g. BTCUSDT',
  'strategy-symbol': '<strategyId>:<symbol>, e.g. ema-cross:BTCUSDT',
};

/** What the form holds for one layer: numbers as typed, so a half-typed value is never reformatted. */
export interface LimitsDraft {
  scope: LimitScope;
  key: string;
  values: Partial<Record<NumberLimit, string>>;
  allowResize: '' | 'yes' | 'no';
  disabled: RuleName[];
}

/**
 * The layer as it is in force, for a change to start from: an override's fields, or the defaults that
 * differ from the built-in ones (a change to the defaults is laid on the built-in values).
 */
const draftLayer = (view: RiskLimitsView, scope: LimitScope, key: string | null): LimitsPatch =>
  scope === 'defaults'
    ? Object.fromEntries(
        Object.entries(view.defaults).filter(
          ([k, v]) => !sameLimit(v, view.builtIn[k as keyof typeof view.builtIn]),
        ),
      )
    : (view.overrides.find((o) => o.scope === scope && o.key === key)?.limits ?? {});

export const draftOf = (view: RiskLimitsView, scope: LimitScope, key: string | null): LimitsDraft => {
  const layer = draftLayer(view, scope, key);
  return {
    scope,
    key: key ?? '',
    values: Object.fromEntries(
      numberLimits.flatMap((f) => (layer[f.name] === undefined ? [] : [[f.name, String(layer[f.name])]])),
    ),
    allowResize: layer.allowResize === undefined ? '' : layer.allowResize ? 'yes' : 'no',
    disabled: [...(layer.disabled ?? [])],
  };
};

/** Only the fields filled in, checked against the event's own ranges so the message sits under its field. */
const patchOf = (d: Pick<LimitsDraft, 'values' | 'allowResize' | 'disabled'>) => {
  const patch: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const f of numberLimits) {
    const text = d.values[f.name]?.trim();
    if (!text) continue;
    const n = Number(text);
    if (Number.isFinite(n)) patch[f.name] = n;
    else errors[f.name] = 'a number';
  }
  if (d.allowResize) patch.allowResize = d.allowResize === 'yes';
  if (d.disabled.length > 0) patch.disabled = d.disabled;
  const parsed = limitsPatchSchema.safeParse(patch);
  if (!parsed.success)
    for (const [k, m] of Object.entries(issuesByField(parsed.error.issues))) errors[k] ??= m;
  return { patch: parsed.success ? parsed.data : null, errors };
};

interface Props {
  view: RiskLimitsView;
  initial: LimitsDraft;
  /** Starts the form again from the layer as it is in force. */
  onLoad: (scope: LimitScope, key: string | null) => void;
}

/**
 * A person's change of one layer of the limits (docs/risk.md, "Changing the limits"). The change replaces
 * the layer: it holds exactly the fields filled in, so the form starts from what is in force and the
 * person edits that. Every run the node drives takes it between two of its steps.
 */
export function LimitsForm({ view, initial, onLoad }: Props) {
  const action = useSetRiskLimits();
  const { approver, setApprover, remember } = useApprover();
  const [scope, setScope] = useState<LimitScope>(initial.scope);
  const [key, setKey] = useState(initial.key);
  const [values, setValues] = useState(initial.values);
  const [allowResize, setAllowResize] = useState(initial.allowResize);
  const [disabled, setDisabled] = useState<RuleName[]>(initial.disabled);
  const [reason, setReason] = useState('');
  const [done, setDone] = useState<(SetRiskLimitsResult & { approver: string }) | null>(null);

  const { patch, errors } = useMemo(
    () => patchOf({ values, allowResize, disabled }),
    [values, allowResize, disabled],
  );
  const keyOf = scope === 'defaults' ? null : key.trim();
  // What the targeted layer holds now (null: no such override), so the person sees what a change replaces.
  const inForce =
    scope === 'defaults'
      ? draftLayer(view, 'defaults', null)
      : (view.overrides.find((o) => o.scope === scope && o.key === keyOf)?.limits ?? null);
  const exists = inForce !== null && Object.keys(inForce).length > 0;
  const missing = !approver
    ? 'type your user id'
    : !reason.trim()
      ? 'a reason is required'
      : scope !== 'defaults' && !keyOf
        ? `type the ${scope} key`
        : null;
  const blockedSet =
    Object.keys(errors).length > 0
      ? 'fix the fields marked'
      : patch === null || Object.keys(patch).length === 0
        ? 'fill in at least one limit'
        : missing;
  const blockedRemove = !exists
    ? scope === 'defaults'
      ? 'the defaults are the built-in ones'
      : 'there is no such override'
    : missing;

  const clear = () => {
    setValues({});
    setAllowResize('');
    setDisabled([]);
  };
  const send = (limits: LimitsPatch) => {
    if (action.isPending) return;
    remember();
    setDone(null);
    action.mutate(
      { approver, body: { scope, key: keyOf, limits, reason: reason.trim() } },
      {
        onSuccess: (r) => {
          setDone({ ...r, approver });
          setReason('');
          // The form keeps what the layer holds now: what was set, or nothing once removed.
          if (Object.keys(r.limits).length === 0) clear();
        },
      },
    );
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (blockedSet === null && patch !== null) send(patch);
  };
  // What an empty field leaves in force: the built-in value under the defaults, the defaults under an override.
  const below = scope === 'defaults' ? view.builtIn : view.defaults;

  return (
    <form className="space-y-4" onSubmit={submit} data-testid="limits-form">
      <p className="text-xs text-muted-foreground">
        A change replaces one layer: it holds exactly the limits filled in, and an empty field falls through
        to the layer below ({scope === 'defaults' ? 'the built-in value' : 'the desk defaults'}). Every paper
        run on this node takes it between two of its steps and records that it did.
      </p>
      <div className="grid gap-3 sm:grid-cols-2">
        <Field id="limits-scope" label="layer">
          <Select
            id="limits-scope"
            value={scope}
            onChange={(e) => {
              setScope(e.target.value as LimitScope);
              // Another layer: its own values, not those of the one left (it can be loaded below).
              clear();
              setDone(null);
            }}
            className="h-8"
            data-testid="limits-scope"
          >
            {limitScopes.map((s) => (
              <option key={s} value={s}>
                {s === 'defaults' ? 'desk defaults' : s}
              </option>
            ))}
          </Select>
        </Field>
        {scope !== 'defaults' && (
          <Field id="limits-key" label="key">
            <Input
              id="limits-key"
              value={key}
              // Symbols are upper-case on the venue and in the limits; typing them so saves a refusal.
              onChange={(e) => setKey(scope === 'symbol' ? e.target.value.toUpperCase() : e.target.value)}
              placeholder={keyHint[scope]}
              autoComplete="off"
              className="h-8 font-mono"
              data-testid="limits-key"
            />
          </Field>
        )}
      </div>
      <div className="flex items-center gap-3">
        <Button
          type="button"
          variant="outline"
          size="sm"
          onClick={() => onLoad(scope, keyOf)}
          disabled={scope !== 'defaults' && !keyOf}
          data-testid="limits-load"
        >
          Start from what is in force
        </Button>
        <span className="text-[11px] text-muted-foreground" data-testid="limits-layer-now">
          {scope !== 'defaults' && !keyOf
            ? ''
            : `${layerName(scope, keyOf)} now: ${
                exists
                  ? patchLine(scope, inForce)
                  : scope === 'defaults'
                    ? 'the built-in values'
                    : 'no override'
              }`}
        </span>
      </div>
      <div className="grid gap-3 sm:grid-cols-2">
        {numberLimits.map((f) => (
          <Field
            key={f.name}
            id={`limit-${f.name}`}
            label={
              <span>
                {f.label} <span className="font-normal text-muted-foreground">({f.hint})</span>
              </span>
            }
            error={errors[f.name]}
          >
            <Input
              id={`limit-${f.name}`}
              inputMode="decimal"
              value={values[f.name] ?? ''}
              onChange={(e) => setValues((v) => ({ ...v, [f.name]: e.target.value }))}
              placeholder={`${scope === 'defaults' ? 'built-in' : 'desk'}: ${fmtLimit(f.name, below[f.name])}`}
              aria-invalid={errors[f.name] ? true : undefined}
              autoComplete="off"
              className="h-8"
              data-testid={`limit-input-${f.name}`}
            />
          </Field>
        ))}
        <Field id="limit-allowResize" label="resize instead of reject" error={errors.allowResize}>
          <Select
            id="limit-allowResize"
            value={allowResize}
            onChange={(e) => setAllowResize(e.target.value as LimitsDraft['allowResize'])}
            className="h-8"
            data-testid="limit-input-allowResize"
          >
            <option value="">{`not set (${fmtLimit('allowResize', below.allowResize)})`}</option>
            <option value="yes">yes</option>
            <option value="no">no</option>
          </Select>
        </Field>
      </div>
      <fieldset className="space-y-1" data-testid="limit-input-disabled">
        <legend className="text-xs font-medium text-muted-foreground">
          rules switched off{' '}
          <span className="font-normal">(added to those switched off below; none: not set)</span>
        </legend>
        <div className="grid grid-cols-2 gap-x-3 gap-y-1 sm:grid-cols-3">
          {ruleNames.map((r) => (
            <label key={r} className="flex items-center gap-2 font-mono text-[11px]">
              <input
                type="checkbox"
                checked={disabled.includes(r)}
                onChange={(e) =>
                  setDisabled((d) => (e.target.checked ? [...d, r] : d.filter((x) => x !== r)))
                }
                data-testid={`limit-rule-${r}`}
              />
              {r}
            </label>
          ))}
        </div>
      </fieldset>
      <Field id="limits-reason" label="reason (required)">
        <Input
          id="limits-reason"
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          maxLength={maxReason}
          placeholder="why, for the audit"
          className="h-8"
          data-testid="limits-reason"
        />
      </Field>
      <ApproverField id="limits-approver" value={approver} onChange={setApprover} testId="limits-approver" />
      <ApiRefusal error={action.error} hints={hints} testId="limits-error" />
      {done && (
        <div
          role="status"
          className="rounded-md border border-positive/50 px-3 py-2 text-xs text-positive"
          data-testid="limits-done"
          data-change-id={done.changeId}
        >
          {done.approver} set the {layerName(done.scope, done.key)}: {patchLine(done.scope, done.limits)}.
        </div>
      )}
      <div className="flex flex-wrap items-center gap-3">
        <Button type="submit" disabled={blockedSet !== null || action.isPending} data-testid="limits-submit">
          {action.isPending ? 'sending…' : 'Set limits'}
        </Button>
        <Button
          type="button"
          variant="outline"
          disabled={blockedRemove !== null || action.isPending}
          onClick={() => send({})}
          data-testid="limits-remove"
        >
          {scope === 'defaults' ? 'Restore built-in defaults' : 'Remove override'}
        </Button>
        {blockedSet && <span className="text-xs text-muted-foreground">{blockedSet}</span>}
      </div>
    </form>
  );
}
