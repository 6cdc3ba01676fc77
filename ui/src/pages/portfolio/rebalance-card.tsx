import type { FormEvent } from 'react';
import { useRebalance } from '@/api/portfolio-hooks';
import { ApiRefusal } from '@/components/approver-action';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from '@/components/ui/card';
import { Input } from '@/components/ui/input';
import { useApprover } from '@/hooks/approver';
import { fmtTime } from '@/lib/format';

/** What the person can do about a refusal, where the server's message alone does not say it. */
const hints: Record<string, string> = {
  forbidden: 'The user id must be one of PERPETUA_APPROVERS on the server.',
  approvals_disabled: 'The server has no approvers: start it with PERPETUA_APPROVERS=<user>[,<user>…].',
  no_portfolio:
    'This node runs no strategy bandit: start it without PORTFOLIO=off, with paper runs to allocate between.',
  'round-out-of-order':
    'A round at this market hour exists already: the bandit rounds at most once per market hour of the runs’ clock. Try again once the clock has reached the next hour.',
  'no-runs': 'No paper run has started yet, so there is nothing to allocate between. Try again in a minute.',
  invalid_request: 'The user id takes letters, digits and . @ _ - (at most 64).',
};

/**
 * "Rebalance now": a bandit round at the runs' current market hour instead of waiting for the next
 * one. The server records it with the approver's id; the table above then shows it.
 */
export function RebalanceCard({ enabled }: { enabled: boolean }) {
  const rebalance = useRebalance();
  const { approver, setApprover, remember } = useApprover();
  const why = !enabled
    ? 'this node runs no strategy bandit (PORTFOLIO=off)'
    : !approver
      ? 'type your user id'
      : null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (why || rebalance.isPending) return;
    remember();
    rebalance.mutate(approver);
  };
  const done = rebalance.isSuccess ? rebalance.data : null;
  return (
    <Card data-testid="portfolio-rebalance">
      <CardHeader className="flex-col items-start gap-1">
        <CardTitle>Rebalance now</CardTitle>
        <CardDescription>
          A bandit round at the market hour the paper runs have reached, instead of waiting for the next one:
          scores, bench and weights as in any round, recorded with your user id.
        </CardDescription>
      </CardHeader>
      <CardContent>
        <form className="space-y-3" onSubmit={submit}>
          <div className="space-y-1">
            <label htmlFor="portfolio-approver" className="text-xs font-medium text-muted-foreground">
              approver (your user id)
            </label>
            <div className="flex gap-2">
              <Input
                id="portfolio-approver"
                value={approver}
                onChange={(e) => setApprover(e.target.value)}
                placeholder="your user id"
                autoComplete="off"
                className="h-8"
                data-testid="portfolio-approver"
              />
              <Button
                type="submit"
                size="sm"
                disabled={why !== null || rebalance.isPending}
                data-testid="rebalance"
              >
                {rebalance.isPending ? 'rebalancing…' : 'Rebalance now'}
              </Button>
            </div>
            <p className="text-[11px] text-muted-foreground">
              {why ?? 'sent as x-perpetua-user; the server checks it against PERPETUA_APPROVERS'}
            </p>
          </div>
          {done && (
            <div
              role="status"
              className="rounded-md border border-positive/50 px-3 py-2 text-xs text-positive"
              data-testid="rebalance-done"
              data-round-id={done.roundId}
            >
              Round <span className="font-mono">{done.roundId}</span> recorded at market time{' '}
              {fmtTime(done.at)}, asked by {rebalance.variables}.
            </div>
          )}
          <ApiRefusal error={rebalance.error} hints={hints} testId="rebalance-error" />
        </form>
      </CardContent>
    </Card>
  );
}
