import type { ReactNode } from 'react';
import { cn } from '@/lib/utils';
import { Label } from './label';

interface FieldProps {
  id: string;
  label: ReactNode;
  /** zod's message for this field, shown under it; the control marks itself with aria-invalid. */
  error?: string | undefined;
  className?: string;
  children: ReactNode;
}

/** A label, its control and the validation message: one form row, the shadcn FormItem without a form library. */
export function Field({ id, label, error, className, children }: FieldProps) {
  return (
    <div className={cn('space-y-1', className)}>
      <Label htmlFor={id}>{label}</Label>
      {children}
      {error && (
        <p className="text-[11px] text-destructive" role="alert" data-testid="field-error">
          {error}
        </p>
      )}
    </div>
  );
}
