import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { Select } from '@/components/ui/select';

interface Props {
  /** The strategy's current parameters: their names, types and the values a run starts from. */
  defaults: Record<string, unknown>;
  /** Only the parameters the user changed; the rest are the strategy's own. */
  values: Record<string, string>;
  onChange: (values: Record<string, string>) => void;
  error: string | undefined;
}

export function ParamsEditor({ defaults, values, onChange, error }: Props) {
  const entries = Object.entries(defaults).filter(
    ([, v]) => typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean',
  );
  if (entries.length === 0) return null;
  const set = (k: string, v: string) => {
    const next = { ...values };
    if (v === String(defaults[k])) delete next[k];
    else next[k] = v;
    onChange(next);
  };
  return (
    <fieldset className="space-y-2 rounded-md border p-3">
      <legend className="px-1 text-xs text-muted-foreground">parameters (blank = strategy's own)</legend>
      <div className="grid grid-cols-2 gap-2 sm:grid-cols-4">
        {entries.map(([k, def]) => (
          <div key={k} className="space-y-1">
            <Label htmlFor={`bt-param-${k}`}>{k}</Label>
            {typeof def === 'boolean' ? (
              <Select
                id={`bt-param-${k}`}
                value={values[k] ?? String(def)}
                onChange={(e) => set(k, e.target.value)}
              >
                <option>true</option>
                <option>false</option>
              </Select>
            ) : (
              <Input
                id={`bt-param-${k}`}
                className="h-8"
                inputMode={typeof def === 'number' ? 'decimal' : 'text'}
                value={values[k] ?? String(def)}
                onChange={(e) => set(k, e.target.value)}
              />
            )}
          </div>
        ))}
      </div>
      {error && (
        <p className="text-[11px] text-destructive" role="alert">
          {error}
        </p>
      )}
    </fieldset>
  );
}
