import { toNumber } from '@/lib/format';

/**
 * A commission as the ledger booked it. A negative one is a maker's rebate, paid to the account: it says
 * so in words, since a bare minus in a fee column reads as a typo.
 */
export function Fee({ value, text }: { value: string | number | null | undefined; text: string }) {
  const n = toNumber(value);
  if (n === null || n >= 0) return <>{text}</>;
  return (
    <span title="a maker's rebate: paid to the account, not charged" data-testid="rebate">
      {text} <span className="text-[11px] text-muted-foreground">rebate</span>
    </span>
  );
}
