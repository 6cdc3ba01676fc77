import { sql } from 'kysely';
import type { RecordedEvent } from '../domain/events/envelope.js';
import type { EventStore } from '../domain/events/event-store.js';
import type { Projection, ReadModelDb } from './projection.js';

export interface ProjectionStatus {
  readonly name: string;
  readonly version: number;
  readonly storedVersion: number | null;
  readonly position: number;
  readonly head: number;
  readonly lag: number;
}

export class ProjectionConflictError extends Error {
  constructor(
    readonly projection: string,
    expected: number,
  ) {
    super(
      `projection ${projection}: checkpoint moved past ${expected} under this runner (another runner is active)`,
    );
    this.name = 'ProjectionConflictError';
  }
}

export interface RunnerOptions {
  readonly batchSize?: number;
  /** Idle wait between polls in live mode. */
  readonly pollMs?: number;
  readonly log?: (message: string) => void;
}

/**
 * Runs projections over the log. Each batch: read events after the checkpoint, apply them and move the
 * checkpoint with a compare-and-set in one transaction (Emmett's storeProcessorCheckpoint pattern).
 * A crash or a thrown error rolls the whole batch back; the next run re-reads it, so the read model
 * ends exactly as if nothing had failed. The next batch is read while the current one is applied.
 */
export class ProjectionRunner {
  private readonly batchSize: number;
  private readonly pollMs: number;
  private readonly log: (message: string) => void;
  /** How many `run` loops keep the projections caught up now. */
  private running = 0;

  constructor(
    private readonly store: EventStore,
    private readonly db: ReadModelDb,
    private readonly projections: readonly Projection[],
    opts: RunnerOptions = {},
  ) {
    this.batchSize = opts.batchSize ?? 2_000;
    this.pollMs = opts.pollMs ?? 250;
    this.log = opts.log ?? (() => {});
    const names = new Set<string>();
    for (const p of projections) {
      if (names.has(p.name)) throw new Error(`projection ${p.name} registered twice`);
      names.add(p.name);
    }
  }

  private get(name: string): Projection {
    const p = this.projections.find((x) => x.name === name);
    if (!p)
      throw new Error(
        `no projection named ${name}; known: ${this.projections.map((x) => x.name).join(', ')}`,
      );
    return p;
  }

  /** Creates tables and checkpoints; a projection whose version changed is rebuilt from 0. */
  async prepare(): Promise<void> {
    for (const p of this.projections) {
      await p.setup(this.db);
      const row = await this.checkpointRow(p.name);
      if (!row) {
        await this.db
          .insertInto('projection_checkpoints')
          .values({ name: p.name, position: 0, version: p.version })
          .onConflict((oc) => oc.column('name').doNothing())
          .execute();
      } else if (row.version !== p.version) {
        this.log(`projection ${p.name}: version ${row.version} → ${p.version}, rebuilding`);
        await this.reset(p);
      }
    }
  }

  /**
   * Whether projection `name` has folded the log up to `position` within `timeoutMs` (polling its
   * checkpoint): a command's handler waits on it so that its caller's next read shows what it wrote.
   * Only while `run` keeps the projections caught up: nothing else moves the checkpoint on its own.
   */
  async reached(name: string, position: number, timeoutMs = 5_000, pollMs = 20): Promise<boolean> {
    this.get(name);
    const until = Date.now() + timeoutMs;
    if (this.running === 0) return ((await this.checkpointRow(name))?.position ?? 0) >= position;
    for (;;) {
      if (((await this.checkpointRow(name))?.position ?? 0) >= position) return true;
      if (Date.now() >= until) return false;
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  private async checkpointRow(name: string): Promise<{ position: number; version: number } | undefined> {
    const r = await this.db
      .selectFrom('projection_checkpoints')
      .select(['position', 'version'])
      .where('name', '=', name)
      .executeTakeFirst();
    return r ? { position: Number(r.position), version: Number(r.version) } : undefined;
  }

  private async reset(p: Projection): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      for (const t of p.tables) await sql`DELETE FROM ${sql.table(t)}`.execute(tx);
      await tx
        .updateTable('projection_checkpoints')
        .set({ position: 0, version: p.version, updated_at: sql`now()` })
        .where('name', '=', p.name)
        .execute();
    });
  }

  /** Applies every committed event to one projection; returns how many events it read. */
  async catchUp(name: string): Promise<number> {
    const p = this.get(name);
    const types = p.types ? new Set(p.types) : null;
    let position = (await this.checkpointRow(p.name))?.position ?? 0;
    let read = 0;
    let next = this.store.readAll(position, this.batchSize);
    for (;;) {
      const batch = await next;
      if (batch.length === 0) return read;
      const last = batch[batch.length - 1]!.globalPosition;
      next = this.store.readAll(last, this.batchSize);
      const relevant = types ? batch.filter((e) => types.has(e.type)) : batch;
      const from = position;
      try {
        await this.db.transaction().execute(async (tx) => {
          if (relevant.length > 0) await p.apply(tx, relevant);
          const moved = await tx
            .updateTable('projection_checkpoints')
            .set({ position: last, updated_at: sql`now()` })
            .where('name', '=', p.name)
            .where('position', '=', from)
            .executeTakeFirst();
          if (Number(moved.numUpdatedRows) !== 1) throw new ProjectionConflictError(p.name, from);
        });
      } catch (err) {
        await next.catch(() => {});
        throw err;
      }
      position = last;
      read += batch.length;
      if (batch.length < this.batchSize) {
        await next.catch(() => {});
        return read;
      }
    }
  }

  async catchUpAll(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const p of this.projections) out[p.name] = await this.catchUp(p.name);
    return out;
  }

  /** Empties the projection's tables and folds the whole log again. */
  async rebuild(name: string): Promise<number> {
    const p = this.get(name);
    await p.setup(this.db);
    await this.reset(p);
    return this.catchUp(name);
  }

  /** Keeps every projection caught up until `signal` aborts; an error stops the loop and is rethrown. */
  async run(signal: AbortSignal): Promise<void> {
    this.running++;
    try {
      await this.follow(signal);
    } finally {
      this.running--;
    }
  }

  private async follow(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const counts = await this.catchUpAll();
      if (Object.values(counts).every((n) => n === 0)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(t);
            signal.removeEventListener('abort', done);
            resolve();
          };
          const t = setTimeout(done, this.pollMs);
          signal.addEventListener('abort', done);
        });
      }
    }
  }

  async status(): Promise<ProjectionStatus[]> {
    const head = await this.store.headPosition();
    const out: ProjectionStatus[] = [];
    for (const p of this.projections) {
      const row = await this.checkpointRow(p.name);
      const position = row?.position ?? 0;
      out.push({
        name: p.name,
        version: p.version,
        storedVersion: row?.version ?? null,
        position,
        head,
        lag: Math.max(0, head - position),
      });
    }
    return out;
  }
}

export type { RecordedEvent };
