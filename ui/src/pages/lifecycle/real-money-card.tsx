import { Landmark, TriangleAlert } from 'lucide-react';
import type { AccountCheck, Lifecycle } from '@/api/lifecycle-types';
import { Card, CardContent } from '@/components/ui/card';
import { fmtTime } from '@/lib/format';
import { ApproverInput } from './action-error';
import type { Acting } from './approver';
import { canaryCapital, fmtShare } from './format';

/**
 * Whether this node can trade real money at all, the capital each strategy trades there, and the
 * canary's share of it; beside it, the user id the page's actions are sent as.
 */
export function RealMoneyCard({
  realMoney,
  canaryShare,
  acting,
  accounts,
}: Pick<Lifecycle, 'realMoney' | 'canaryShare' | 'accounts'> & { acting: Acting }) {
  const amount = canaryCapital(realMoney.capital, canaryShare);
  return (
    <Card>
      <CardContent className="flex flex-wrap items-start justify-between gap-4 pt-4">
        <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1.5 text-sm">
          <dt className="text-xs text-muted-foreground">real money</dt>
          <dd data-testid="lifecycle-real-money" data-venue={realMoney.venue ?? undefined}>
            {realMoney.venue !== null ? (
              <span className="inline-flex items-center gap-1.5 font-medium text-positive">
                <Landmark className="size-4" />
                this node can trade real money on {realMoney.venue}
              </span>
            ) : (
              <span className="inline-flex items-center gap-1.5 font-medium text-destructive">
                <TriangleAlert className="size-4" />
                this node cannot trade real money{realMoney.why ? `: ${realMoney.why}` : ''}
              </span>
            )}
          </dd>
          <dt className="text-xs text-muted-foreground">capital per strategy</dt>
          <dd className="tabular" data-testid="lifecycle-capital">
            {realMoney.capital ?? <span className="text-muted-foreground">not stated by the node</span>}
            {realMoney.backing !== null && realMoney.backing < 1 && (
              <span className="text-warning" data-testid="lifecycle-backing" data-backing={realMoney.backing}>
                {' '}
                the wallet backs {fmtShare(realMoney.backing)} of what the real runs commit: they size on that
                share of theirs
              </span>
            )}
          </dd>
          {accounts.map((a) => (
            <AccountLine key={a.venue} check={a} />
          ))}
          <dt className="text-xs text-muted-foreground">canary share</dt>
          <dd className="tabular" data-testid="lifecycle-canary-share" data-share={canaryShare}>
            {fmtShare(canaryShare)}
            <span className="text-xs text-muted-foreground">
              {' '}
              of the capital{amount !== null && ` (${amount})`} on canary; prod trades all of it
            </span>
          </dd>
        </dl>
        <div className="w-64">
          <ApproverInput
            id="lifecycle-approver"
            value={acting.approver}
            onChange={acting.setApprover}
            testId="lifecycle-approver"
          />
        </div>
      </CardContent>
    </Card>
  );
}

/** The account against the real runs' ledgers, as last recorded: agreement, or every symbol that differs. */
function AccountLine({ check }: { check: AccountCheck }) {
  const differs = check.rows.filter((r) => r.exchange !== r.ledger);
  return (
    <>
      <dt className="text-xs text-muted-foreground">{check.venue} account</dt>
      <dd data-testid="lifecycle-account-check" data-matched={check.matched} className="text-xs">
        {check.matched ? (
          <span className="text-positive">matches the real runs' ledgers</span>
        ) : (
          <span className="font-medium text-destructive">
            differs from the real runs' ledgers:{' '}
            {differs.map((r) => `${r.symbol} exchange ${r.exchange}, ledgers ${r.ledger}`).join('; ')}; every
            strategy was taken off real money
          </span>
        )}
        <span className="text-muted-foreground"> (recorded {fmtTime(check.at)})</span>
      </dd>
      {check.wallet && <WalletLine wallet={check.wallet} checkedAt={check.at} />}
    </>
  );
}

/** The wallet against the money the real runs' ledgers moved: what no ledger explains since the node's first check. */
function WalletLine({
  wallet,
  checkedAt,
}: {
  wallet: NonNullable<AccountCheck['wallet']>;
  checkedAt: AccountCheck['at'];
}) {
  const explained = Number(wallet.unexplained) === 0;
  // A check in the minutes after an hour carries the last reading on (funding is settling): say how old.
  const carried =
    wallet.readAt !== undefined && new Date(checkedAt).getTime() - Date.parse(wallet.readAt) > 60_000;
  return (
    <>
      <dt className="text-xs text-muted-foreground">{wallet.asset} wallet</dt>
      <dd
        data-testid="lifecycle-wallet-check"
        data-unexplained={wallet.unexplained}
        className="text-xs tabular"
      >
        {explained ? (
          <span className="text-positive">every movement is in the real runs' ledgers</span>
        ) : (
          <span className="font-medium text-destructive">
            {wallet.unexplained} {wallet.asset} moved that no ledger booked (a transfer, a trade by hand, or a
            charge not booked)
          </span>
        )}
        <span className="text-muted-foreground">
          {' '}
          (wallet {wallet.exchange}; the ledgers moved {wallet.ledgers} since their start)
        </span>
        {carried && (
          <span data-testid="lifecycle-wallet-read-at" className="text-muted-foreground">
            {' '}
            — the wallet as read at {fmtTime(wallet.readAt!)}: it is not read in the minutes after each hour,
            while funding settles
          </span>
        )}
      </dd>
    </>
  );
}
