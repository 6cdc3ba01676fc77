import { useAccounts } from '@/api/hooks';
import type { Account } from '@/api/types';
import { Pnl } from '@/components/pnl';
import { QueryState } from '@/components/query-state';
import { Card, CardContent } from '@/components/ui/card';
import { fmtMoney, fmtPct } from '@/lib/format';

function Stat({ label, children, testId }: { label: string; children: React.ReactNode; testId?: string }) {
  return (
    <div>
      <div className="text-[11px] text-muted-foreground">{label}</div>
      <div className="tabular text-xl font-semibold" data-testid={testId}>
        {children}
      </div>
    </div>
  );
}

function AccountRow({ a }: { a: Account }) {
  return (
    <div className="grid grid-cols-2 gap-4 md:grid-cols-6" data-testid="account">
      <Stat label={`${a.venue} · ${a.accountId}`}>
        <span className="text-sm font-normal text-muted-foreground">account</span>
      </Stat>
      <Stat label="Equity" testId="account-equity">
        {fmtMoney(a.equity)}
      </Stat>
      <Stat label="Wallet balance">{fmtMoney(a.walletBalance)}</Stat>
      <Stat label="Unrealised PnL" testId="account-upnl">
        <Pnl value={a.unrealisedPnl} />
      </Stat>
      <Stat label="Available">{fmtMoney(a.availableBalance)}</Stat>
      <Stat label="Margin ratio">{fmtPct(a.marginRatio)}</Stat>
    </div>
  );
}

export function AccountSummary() {
  const accounts = useAccounts();
  return (
    <Card>
      <CardContent className="pt-4">
        <QueryState query={accounts} empty={(d) => (d.length === 0 ? 'no accounts yet' : null)}>
          {(list) => (
            <div className="space-y-3">
              {list.map((a) => (
                <AccountRow key={a.accountId} a={a} />
              ))}
            </div>
          )}
        </QueryState>
      </CardContent>
    </Card>
  );
}
