import { useState } from 'react';
import { ApiError } from '@/api/client';
import { useParameterAction, useParameterVersions, useReoptimize } from '@/api/optimizer-hooks';
import { QueryState } from '@/components/query-state';
import { Badge } from '@/components/ui/badge';
import { Button } from '@/components/ui/button';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { Input } from '@/components/ui/input';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '@/components/ui/table';
import { approverKey } from '@/hooks/approver';
import { fmtTime } from '@/lib/format';
import { CanaryPanel } from './canary-panel';
import { VerdictBadge } from './runs-table';
import { paramsText } from './windows-table';

export function ParameterVersionsCard({ strategyId }: { strategyId: string }) {
  const versions = useParameterVersions(strategyId);
  const action = useParameterAction(strategyId);
  const reoptimize = useReoptimize(strategyId);
  const [approver, setApprover] = useState(() => localStorage.getItem(approverKey) ?? '');
  const act = (
    x:
      | { action: 'promote'; proposalId: string }
      | { action: 'reject'; proposalId: string; reason: string }
      | { action: 'rollback'; toVersion: number },
  ) => {
    localStorage.setItem(approverKey, approver);
    reoptimize.reset();
    action.mutate({ ...x, approver });
  };
  const failed = action.error ?? reoptimize.error;
  const refusal =
    failed instanceof ApiError ? `${failed.status}: ${failed.message}` : failed ? String(failed) : null;
  return (
    <Card>
      <CardHeader>
        <CardTitle>Parameter versions of {strategyId}</CardTitle>
      </CardHeader>
      <CardContent className="space-y-3">
        <div className="flex flex-wrap items-center gap-2 text-xs">
          <label htmlFor="approver">approver id</label>
          <Input
            id="approver"
            value={approver}
            onChange={(e) => setApprover(e.target.value.trim())}
            placeholder="your user id"
            className="h-8 w-48"
            data-testid="approver"
          />
          <span className="text-muted-foreground">
            sent as x-perpetua-user; the server checks it against PERPETUA_APPROVERS
          </span>
          <Button
            size="sm"
            variant="outline"
            className="ml-auto"
            disabled={!approver || reoptimize.isPending}
            onClick={() => {
              localStorage.setItem(approverKey, approver);
              action.reset();
              reoptimize.mutate(approver);
            }}
            data-testid="reoptimize"
          >
            {reoptimize.isPending ? 'asking…' : 'Re-optimise now'}
          </Button>
        </div>
        {reoptimize.data && !reoptimize.error && (
          <div className="text-xs text-positive" data-testid="reoptimize-done">
            requested {reoptimize.data.requestId} at {fmtTime(reoptimize.data.at)}: the scheduler runs it, and
            the run appears in the table above
          </div>
        )}
        {refusal && (
          <div
            role="alert"
            className="rounded-md border border-destructive/50 px-3 py-2 text-xs text-destructive"
            data-testid="action-error"
          >
            {refusal}
          </div>
        )}
        {action.data && !action.error && (
          <div className="text-xs text-positive" data-testid="action-done">
            {action.data.events.map((e) => `${e.type}${e.version ? ` v${e.version}` : ''}`).join(', ') ||
              'nothing to change'}
            {` · active version ${action.data.activeVersion ?? '—'}`}
          </div>
        )}
        <QueryState query={versions} empty={(d) => (d.proposals.length === 0 ? 'no proposals yet' : null)}>
          {(v) => (
            <>
              {v.activeVersion !== null && v.activeVersion > 0 && v.canaries[0]?.state !== 'trading' && (
                <div className="flex items-center gap-2 text-xs text-muted-foreground">
                  version {v.activeVersion} in force
                  <Button
                    size="sm"
                    variant="outline"
                    disabled={action.isPending}
                    onClick={() => act({ action: 'rollback', toVersion: 0 })}
                    data-testid="rollback-defaults"
                  >
                    Roll back to the defaults (v0)
                  </Button>
                </div>
              )}
              {v.canaries[0] && (
                <CanaryPanel
                  canary={v.canaries[0]}
                  busy={action.isPending}
                  onAdopt={() => act({ action: 'promote', proposalId: v.canaries[0]!.proposalId })}
                  onRollBack={() =>
                    act({
                      action: 'reject',
                      proposalId: v.canaries[0]!.proposalId,
                      reason: `canary rolled back by ${approver}`,
                    })
                  }
                />
              )}
              <Table data-testid="parameter-versions">
                <TableHeader>
                  <TableRow>
                    <TableHead>version</TableHead>
                    <TableHead>proposal</TableHead>
                    <TableHead>status</TableHead>
                    <TableHead>gates</TableHead>
                    <TableHead>params</TableHead>
                    <TableHead>decided</TableHead>
                    <TableHead />
                  </TableRow>
                </TableHeader>
                <TableBody>
                  {v.proposals.map((p) => (
                    <TableRow key={p.proposalId}>
                      <TableCell>
                        {p.version ?? '—'}
                        {p.version !== null && p.version === v.activeVersion && (
                          <Badge variant="positive" className="ml-2">
                            active
                          </Badge>
                        )}
                      </TableCell>
                      <TableCell className="font-mono text-xs">{p.proposalId}</TableCell>
                      <TableCell>
                        {p.status === 'canary' ? <Badge variant="warning">canary</Badge> : p.status}
                      </TableCell>
                      <TableCell>
                        <VerdictBadge verdict={p.verdict} />
                      </TableCell>
                      <TableCell className="max-w-80 truncate font-mono text-xs" title={paramsText(p.params)}>
                        {paramsText(p.params)}
                      </TableCell>
                      <TableCell className="text-xs text-muted-foreground">
                        {p.decidedBy ? `${p.decidedBy} ${fmtTime(p.decidedAt)}` : (p.reason ?? '')}
                      </TableCell>
                      <TableCell className="text-right">
                        {p.status === 'pending' && (
                          <Button
                            size="sm"
                            disabled={action.isPending}
                            onClick={() => act({ action: 'promote', proposalId: p.proposalId })}
                          >
                            Promote
                          </Button>
                        )}
                        {p.status === 'pending' && (
                          <Button
                            size="sm"
                            variant="outline"
                            className="ml-2"
                            disabled={action.isPending}
                            onClick={() =>
                              act({
                                action: 'reject',
                                proposalId: p.proposalId,
                                reason: `rejected by ${approver}`,
                              })
                            }
                          >
                            Reject
                          </Button>
                        )}
                        {p.status === 'promoted' && p.version !== null && p.version !== v.activeVersion && (
                          <Button
                            size="sm"
                            variant="outline"
                            disabled={action.isPending}
                            onClick={() => act({ action: 'rollback', toVersion: p.version! })}
                          >
                            Roll back to v{p.version}
                          </Button>
                        )}
                      </TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            </>
          )}
        </QueryState>
      </CardContent>
    </Card>
  );
}
