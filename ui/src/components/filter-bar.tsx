import { X } from 'lucide-react';
import { Button } from './ui/button';
import { Input } from './ui/input';
import { Label } from './ui/label';
import { Select } from './ui/select';

export interface FilterField {
  name: string;
  label: string;
  placeholder?: string;
  type?: 'text' | 'datetime-local';
  /** Suggestions offered as a datalist; the field still accepts anything. */
  options?: readonly string[];
  /** A closed set (the server rejects anything else): rendered as a select with "any" first. */
  choices?: readonly string[];
  /** Symbols are upper case on the wire; normalise as typed so a lower-case filter still matches. */
  upper?: boolean;
}

interface Props {
  fields: readonly FilterField[];
  values: Record<string, string>;
  onChange: (name: string, value: string) => void;
  onClear: () => void;
}

/** Free-text filters kept in the URL by the page, so a filtered view can be reloaded or shared. */
export function FilterBar({ fields, values, onChange, onClear }: Props) {
  const any = fields.some((f) => values[f.name]);
  return (
    <div className="flex flex-wrap items-end gap-2" data-testid="filters">
      {fields.map((f) => (
        <div key={f.name} className="space-y-1">
          <Label htmlFor={`filter-${f.name}`}>{f.label}</Label>
          {f.choices ? (
            <Select
              id={`filter-${f.name}`}
              name={f.name}
              className="h-8 w-40"
              value={values[f.name] ?? ''}
              onChange={(e) => onChange(f.name, e.target.value)}
            >
              <option value="">any</option>
              {f.choices.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </Select>
          ) : (
            <Input
              id={`filter-${f.name}`}
              name={f.name}
              type={f.type ?? 'text'}
              className={f.type === 'datetime-local' ? 'h-8 w-52' : 'h-8 w-40'}
              placeholder={f.placeholder}
              value={values[f.name] ?? ''}
              list={f.options ? `filter-${f.name}-options` : undefined}
              onChange={(e) => onChange(f.name, f.upper ? e.target.value.toUpperCase() : e.target.value)}
            />
          )}
          {f.options && (
            <datalist id={`filter-${f.name}-options`}>
              {f.options.map((o) => (
                <option key={o} value={o} />
              ))}
            </datalist>
          )}
        </div>
      ))}
      <Button variant="ghost" size="sm" onClick={onClear} disabled={!any}>
        <X /> clear
      </Button>
    </div>
  );
}
