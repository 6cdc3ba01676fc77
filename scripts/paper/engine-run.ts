import type { StoredEvent } from '../../domain/events/envelope.js';
import type { EventLookup, EventStore } from '../../domain/events/event-store.js';
import type { Engine, RunSummary } from '../../replay/engine/engine.js';
import { LogCopier } from './copier.js';
import type { PaperRunStatus } from './session.js';

/**
 * What every paper run shares, whatever feeds its engine: the engine's events copied into the main log as
 * they are written, the run's state and error, and the marks the API values positions at.
 */
export abstract class EngineRun {
  protected engine: Engine | null = null;
  protected copier: LogCopier | null = null;
  protected state: PaperRunStatus['state'] = 'starting';
  protected error: string | null = null;

  constructor(
    readonly runId: string,
    private readonly target: EventStore & EventLookup,
    private readonly hooks: {
      readonly flushMs?: number;
      readonly onAppended?: (events: readonly StoredEvent[]) => void;
      readonly log?: (m: string) => void;
    },
  ) {}

  protected attach(engine: Engine): void {
    this.engine = engine;
    this.copier = new LogCopier(() => engine.store.raw(), this.target, this.hooks.onAppended);
  }

  /**
   * Runs `drive` with the copier flushing every `flushMs`. A shutdown is not the end of the run: the
   * engine records RunCompleted(stopped) as it stops, which a restart (resuming the same run) would not
   * reproduce, so nothing written after the abort is copied.
   */
  protected async drive(signal: AbortSignal, drive: (engine: Engine) => Promise<RunSummary>): Promise<void> {
    const engine = this.need();
    const copier = this.copier!;
    this.state = 'running';
    signal.addEventListener('abort', () => copier.freeze(), { once: true });
    const timer = setInterval(() => {
      copier.flush().catch((err: unknown) => this.fail(err));
    }, this.hooks.flushMs ?? 250);
    try {
      const summary = await drive(engine);
      await copier.flush();
      this.state =
        summary.reason === 'failed' ? 'failed' : summary.reason === 'end-of-data' ? 'finished' : 'running';
    } catch (err) {
      this.fail(err);
    } finally {
      clearInterval(timer);
    }
  }

  protected fail(err: unknown): void {
    this.state = 'failed';
    this.error = err instanceof Error ? err.message : String(err);
    this.hooks.log?.(`paper ${this.runId}: ${this.error}`);
  }

  protected need(): Engine {
    if (!this.engine) throw new Error(`paper ${this.runId}: prepare() first`);
    return this.engine;
  }

  /** Last close the run has seen for a symbol: the mark the API values open positions at. */
  mark(symbol: string): number | null {
    if (!this.engine?.config.symbols.includes(symbol)) return null;
    const c = this.engine.close(symbol, 0);
    return Number.isFinite(c) ? c : null;
  }
}
