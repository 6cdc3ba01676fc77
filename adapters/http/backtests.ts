import type { z } from 'zod';
import { logHash } from '../../replay/engine/log-hash.js';
import { foldRun, type RunResults } from '../../replay/engine/results.js';
import { type PreparedRun, prepareRun, RunRequestError } from '../../replay/engine/run.js';
import { runNotes } from '../../replay/engine/run-notes.js';
import { newEventId } from '../ids/event-id.js';
import { ApiError } from './errors.js';
import type { BacktestRequest, backtest, backtestReport } from './schemas.js';

type Backtest = z.input<typeof backtest>;
type Report = z.input<typeof backtestReport>;

interface Job {
  runId: string;
  request: BacktestRequest;
  status: Backtest['status'];
  progress: number;
  createdAt: string;
  finishedAt: string | null;
  error: string | null;
  report: Report | null;
  prepared: PreparedRun | null;
}

const iso = (ms: number) => new Date(ms).toISOString();
const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);
/** A chart needs a few hundred points, not every mark of a long run. */
const thin = <T>(xs: readonly T[], max: number): T[] => {
  if (xs.length <= max) return [...xs];
  const step = xs.length / max;
  const out: T[] = [];
  for (let i = 0; i < max; i++) out.push(xs[Math.floor(i * step)]!);
  out.push(xs[xs.length - 1]!);
  return out;
};

const reportOf = (results: RunResults, hash: string, events: number, notes: string[]): Report => ({
  kpis: Object.fromEntries(Object.entries(results.kpis()).map(([k, v]) => [k, finite(v)])),
  equity: thin(results.curve, 1_000).map((p) => ({ at: iso(p.at), equity: p.equity })),
  trades: [...results.trades, ...results.openTrades()].map((t) => ({
    symbol: t.symbol,
    side: t.side,
    openedAt: iso(t.openedAt),
    closedAt: t.closedAt === null ? null : iso(t.closedAt),
    entryPrice: t.entryPrice,
    exitPrice: t.exitPrice,
    quantity: t.maxQuantity,
    realisedPnl: t.realisedPnl,
    fees: t.fees,
    funding: t.funding,
    netPnl: t.netPnl,
  })),
  eventLogHash: hash,
  events,
  notes,
});

/**
 * Backtests started from the API, run in this process one at a time. The engine is stepped in slices
 * with a yield to the event loop between them, so a year-long run never stalls the API or the paper
 * runs. Runs stay in memory (the newest `keep`): a backtest's events are its report, not the node's log.
 */
export class BacktestManager {
  private readonly jobs = new Map<string, Job>();
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly keep = 50,
    private readonly sliceMs = 15,
  ) {}

  /** Validates against the strategy and the data now (422 on a broken rule), then queues the run. */
  async start(request: BacktestRequest): Promise<string> {
    const runId = `bt-${newEventId()}`;
    let prepared: PreparedRun;
    try {
      const { feeTier, feeRates, impact, latencyMs, ...rest } = request;
      prepared = await prepareRun({
        ...rest,
        runId,
        mode: 'backtest',
        engine: {
          ...(feeTier !== undefined ? { feeTier } : {}),
          ...(feeRates !== undefined ? { feeRates } : {}),
          ...(impact !== undefined ? { impact: { default: impact } } : {}),
          ...(latencyMs !== undefined ? { latencyMs } : {}),
        },
      });
    } catch (err) {
      if (err instanceof RunRequestError) throw new ApiError(422, 'invalid_backtest', err.message);
      throw err;
    }
    const job: Job = {
      runId,
      request,
      status: 'queued',
      progress: 0,
      createdAt: new Date().toISOString(),
      finishedAt: null,
      error: null,
      report: null,
      prepared,
    };
    this.jobs.set(runId, job);
    this.evict();
    this.queue = this.queue.then(() => this.run(job));
    return runId;
  }

  private async run(job: Job): Promise<void> {
    const { engine, config } = job.prepared!;
    job.status = 'running';
    const span = Math.max(1, config.to - config.from);
    try {
      engine.start();
      let more = true;
      while (more) {
        const until = performance.now() + this.sliceMs;
        while (more && performance.now() < until) {
          for (let i = 0; i < 64 && more; i++) more = engine.step();
        }
        job.progress = Math.min(1, Math.max(0, (engine.now - config.from) / span));
        await new Promise((r) => setImmediate(r));
      }
      engine.finish('end-of-data', null);
      const events = engine.store.raw();
      job.report = reportOf(foldRun(events), logHash(events), events.length, runNotes(job.prepared!));
      job.status = 'done';
      job.progress = 1;
    } catch (err) {
      job.status = 'failed';
      job.error = err instanceof Error ? err.message : String(err);
    } finally {
      job.finishedAt = new Date().toISOString();
      job.prepared = null;
    }
  }

  private evict(): void {
    const done = [...this.jobs.values()].filter((j) => j.status === 'done' || j.status === 'failed');
    for (const j of done.slice(0, Math.max(0, this.jobs.size - this.keep))) this.jobs.delete(j.runId);
  }

  get(runId: string): Backtest | undefined {
    const j = this.jobs.get(runId);
    return j ? view(j) : undefined;
  }

  list(): Backtest[] {
    return [...this.jobs.values()].reverse().map(view);
  }

  /** Resolves when every queued run has finished (tests, shutdown). */
  idle(): Promise<void> {
    return this.queue;
  }
}

const view = (j: Job): Backtest => ({
  runId: j.runId,
  status: j.status,
  progress: j.progress,
  request: j.request,
  createdAt: j.createdAt,
  finishedAt: j.finishedAt,
  error: j.error,
  report: j.report,
});
