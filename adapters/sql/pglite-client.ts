import { mkdirSync } from 'node:fs';
import { PGlite, types } from '@electric-sql/pglite';
import { loopSlicer } from './loop-slice.js';
import { Mutex } from './mutex.js';
import type { PoolLike, SqlClient, SqlConnection } from './sql-client.js';

export interface PgliteClientOptions {
  /** A directory for a durable store; omitted = in memory (tests). */
  readonly dataDir?: string;
  /** A cluster `dumpDataDir` wrote, to start from instead of a fresh initdb (in-memory stores only). */
  readonly from?: Blob;
}

/** The PGlite client, which can also copy its whole cluster (to start other in-memory stores from). */
export interface PgliteClient extends SqlClient {
  readonly kind: 'pglite';
  /** The cluster as an uncompressed tarball; `from` of another client starts there. */
  dump(): Promise<Blob>;
}

type Command = 'COMMIT' | 'DELETE' | 'INSERT' | 'MERGE' | 'ROLLBACK' | 'SELECT' | 'UPDATE';
const commandOf = (sql: string): Command =>
  (/^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? 'SELECT') as Command;

/**
 * PGlite is a single PostgreSQL backend in this process. A connection here is exclusive use of it,
 * handed out in FIFO order, so a transaction never interleaves with another caller's statements.
 */
export const createPgliteClient = async (opts: PgliteClientOptions = {}): Promise<PgliteClient> => {
  if (opts.dataDir && opts.from) throw new Error('a PGlite store starts from a dump only in memory');
  if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
  // int8 as a JS string, as pg does: adapters convert explicitly, so both drivers behave the same.
  const parsers = { [types.INT8]: (v: string) => v };
  const db = await PGlite.create({
    ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
    ...(opts.from ? { loadDataDir: opts.from } : {}),
    parsers,
  });
  const mutex = new Mutex();
  // 10 ms: a request waits at most about that long behind a catch-up, and a turn every 10 ms costs
  // the catch-up nothing measurable.
  const slicer = loopSlicer(10);
  let closed = false;

  const run = async (sql: string, params?: readonly unknown[]) => {
    await slicer.due();
    if (closed) throw new Error('the PGlite store is closed');
    const r =
      params && params.length > 0
        ? await db.query(sql, params as unknown[])
        : await db.exec(sql).then((rs) => rs[rs.length - 1]!);
    return { rows: r.rows as never[], rowCount: r.affectedRows ?? 0 };
  };

  const connect = async (): Promise<SqlConnection> => {
    const release = await mutex.acquire();
    let released = false;
    return {
      query: (sql, params) => run(sql, params),
      release: () => {
        if (!released) {
          released = true;
          release();
        }
      },
    };
  };

  return {
    kind: 'pglite',
    dump: async () => {
      const release = await mutex.acquire();
      try {
        return await db.dumpDataDir('none');
      } finally {
        release();
      }
    },
    query: async (sql, params) => {
      const conn = await connect();
      try {
        return await conn.query(sql, params);
      } finally {
        conn.release();
      }
    },
    connect,
    pool: {
      connect: async () => {
        const conn = await connect();
        return {
          query: async (sql: string, params?: readonly unknown[]) => {
            const r = await conn.query(sql, params);
            return { rows: r.rows, rowCount: r.rowCount, command: commandOf(sql) };
          },
          release: () => conn.release(),
        };
      },
      end: async () => {},
      // kysely's pool type also allows cursors (streaming); nothing here streams through kysely.
    } as unknown as PoolLike,
    close: async () => {
      const release = await mutex.acquire();
      closed = true;
      try {
        await db.close();
      } finally {
        release();
      }
    },
  };
};
