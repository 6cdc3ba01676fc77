import { useAccounts } from '@/api/hooks';
import type { Account } from '@/api/types';
import { Pnl } from '@/components/pnl';
import { QueryState } from '@/components/query-state';
import { Card, CardContent } from '@/components/ui/card';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table';
import { fmtMoney, fmtPct, toNumber } from '@/lib/format';

function Stat({ label, children, testId }: { label: string; children: React.ReactNode; testId?: string }) {
  return (
    <div>
      <div className="text-[11px] text-muted-foreground">{label}</div>
      <div className="tabular text-2xl font-semibold" data-testid={testId}>
        {children}
      </div>
    </div>
  );
}

const sum = (list: Account[], f: (a: Account) => string): number =>
  list.reduce((s, a) => s + (toNumber(f(a)) ?? 0), 0);

/** Every account's balances, and their sum on top: each paper strategy trades its own account. */
function Accounts({ list }: { list: Account[] }) {
  return (
    <div className="space-y-4">
      <div className="grid grid-cols-2 gap-4 md:grid-cols-4">
        <Stat
          label={`Equity · ${list.length} account${list.length === 1 ? '' : 's'}`}
          testId="account-equity"
        >
          {fmtMoney(sum(list, (a) => a.equity))}
        </Stat>
        <Stat label="Wallet balance">{fmtMoney(sum(list, (a) => a.walletBalance))}</Stat>
        <Stat label="Unrealised PnL" testId="account-upnl">
          <Pnl value={sum(list, (a) => a.unrealisedPnl)} />
        </Stat>
        <Stat label="Available">{fmtMoney(sum(list, (a) => a.availableBalance))}</Stat>
      </div>
      {list.length > 1 && (
        <Table data-testid="accounts">
          <TableHeader>
            <TableRow>
              <TableHead>account</TableHead>
              <TableHead>venue</TableHead>
              <TableHead className="text-right">equity</TableHead>
              <TableHead className="text-right">wallet</TableHead>
              <TableHead className="text-right">uPnL</TableHead>
              <TableHead className="text-right">available</TableHead>
              <TableHead className="text-right">margin ratio</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {list.map((a) => (
              <TableRow key={a.accountId}>
                <TableCell className="font-mono text-xs">{a.accountId}</TableCell>
                <TableCell className="text-xs text-muted-foreground">{a.venue}</TableCell>
                <TableCell className="text-right">{fmtMoney(a.equity)}</TableCell>
                <TableCell className="text-right">{fmtMoney(a.walletBalance)}</TableCell>
                <TableCell className="text-right">
                  <Pnl value={a.unrealisedPnl} />
                </TableCell>
                <TableCell className="text-right">{fmtMoney(a.availableBalance)}</TableCell>
                <TableCell className="text-right">{fmtPct(a.marginRatio)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </div>
  );
}

export function AccountSummary() {
  const accounts = useAccounts();
  return (
    <Card>
      <CardContent className="pt-4">
        <QueryState query={accounts} empty={(d) => (d.length === 0 ? 'no accounts yet' : null)}>
          {(list) => <Accounts list={list} />}
        </QueryState>
      </CardContent>
    </Card>
  );
}
