import { useState } from 'react';
import { useHotlist } from '@/api/hotlist-hooks';
import type { HotlistActionResult } from '@/api/hotlist-types';
import { PageHeader } from '@/components/layout';
import { QueryState } from '@/components/query-state';
import { Card, CardContent } from '@/components/ui/card';
import { EnableSheet } from './enable-sheet';
import { HistoryCard } from './history';
import { RankingCard } from './ranking';
import { DeclineSheet, RemoveSheet } from './reason-sheet';
import { SentimentCard } from './sentiment';
import { WhitelistCard } from './whitelist';

type Open =
  | { kind: 'enable' | 'decline'; symbol: string; scanId: string }
  | { kind: 'remove'; symbol: string }
  | null;

const done: Record<HotlistActionResult['event'], string> = {
  HotlistSymbolApproved: 'enabled',
  HotlistSymbolDeclined: 'declined',
  WhitelistSymbolRemoved: 'removed from the whitelist',
};

/**
 * Hot coins the node found, with their risks labelled. Nothing here trades by itself: a symbol is
 * traded only once a person enables it, after acknowledging its danger labels.
 */
export function HotlistPage() {
  const hotlist = useHotlist();
  const [open, setOpen] = useState<Open>(null);
  const [message, setMessage] = useState<string | null>(null);
  const scan = hotlist.data?.scan ?? null;
  const close = () => setOpen(null);
  const onDone = (r: HotlistActionResult, approver: string) => {
    setOpen(null);
    setMessage(`${r.symbol} ${done[r.event] ?? r.event} by ${approver} (${r.event})`);
  };
  const act = (next: Open) => {
    setMessage(null);
    setOpen(next);
  };
  return (
    <div className="space-y-4">
      <PageHeader title="Hotlist">
        <span className="text-xs text-muted-foreground">
          recommendations only: a symbol is traded after a person enables it
        </span>
      </PageHeader>
      {message && (
        <div
          role="status"
          className="rounded-md border border-positive/50 px-3 py-2 text-xs text-positive"
          data-testid="hotlist-done"
        >
          {message}
        </div>
      )}
      <QueryState query={hotlist}>
        {(h) => (
          <>
            {h.scan === null ? (
              <Card>
                <CardContent
                  className="py-8 text-center text-sm text-muted-foreground"
                  data-testid="hotlist-no-scan"
                >
                  No scan yet: the node runs the first one within a minute of starting, and this page shows it
                  as soon as it is recorded.
                </CardContent>
              </Card>
            ) : (
              <>
                <SentimentCard scan={h.scan} />
                <RankingCard
                  scan={h.scan}
                  configured={h.configured}
                  onEnable={(symbol) => h.scan && act({ kind: 'enable', symbol, scanId: h.scan.scanId })}
                  onDecline={(symbol) => h.scan && act({ kind: 'decline', symbol, scanId: h.scan.scanId })}
                />
              </>
            )}
            <div className="grid gap-4 2xl:grid-cols-2">
              <WhitelistCard
                whitelist={h.whitelist}
                configured={h.configured}
                trading={h.trading}
                onRemove={(symbol) => act({ kind: 'remove', symbol })}
              />
              <HistoryCard history={h.history} />
            </div>
          </>
        )}
      </QueryState>
      {open?.kind === 'enable' && (
        <EnableSheet
          symbol={open.symbol}
          openedOn={open.scanId}
          scan={scan}
          onClose={close}
          onDone={onDone}
        />
      )}
      {open?.kind === 'decline' && (
        <DeclineSheet
          symbol={open.symbol}
          openedOn={open.scanId}
          scan={scan}
          onClose={close}
          onDone={onDone}
        />
      )}
      {open?.kind === 'remove' && <RemoveSheet symbol={open.symbol} onClose={close} onDone={onDone} />}
    </div>
  );
}
