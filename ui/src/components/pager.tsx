import { ChevronLeft, ChevronRight } from 'lucide-react';
import { Button } from './ui/button';

interface Props {
  page: number;
  hasNext: boolean;
  onPrev: () => void;
  onNext: () => void;
  fetching?: boolean;
}

export function Pager({ page, hasNext, onPrev, onNext, fetching }: Props) {
  return (
    <div className="flex items-center justify-end gap-2 pt-2 text-xs text-muted-foreground">
      {fetching && <span>refreshing…</span>}
      <span>page {page}</span>
      <Button variant="outline" size="sm" onClick={onPrev} disabled={page <= 1} aria-label="previous page">
        <ChevronLeft />
      </Button>
      <Button variant="outline" size="sm" onClick={onNext} disabled={!hasNext} aria-label="next page">
        <ChevronRight />
      </Button>
    </div>
  );
}
