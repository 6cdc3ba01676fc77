import { useChain } from '@/api/hooks';
import { DecisionChainView } from './decision-chain';
import { QueryState } from './query-state';
import { Sheet } from './ui/sheet';

/** The decision chain of an order, correlation or event id, in a side panel. */
export function ChainSheet({ id, onClose }: { id: string | null; onClose: () => void }) {
  const chain = useChain(id);
  return (
    <Sheet
      open={id !== null}
      onClose={onClose}
      title={<span className="font-mono">decision chain · {id}</span>}
    >
      <QueryState query={chain}>{(c) => <DecisionChainView chain={c} focus={id} />}</QueryState>
    </Sheet>
  );
}
