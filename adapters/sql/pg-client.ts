import pg from 'pg';
import type { SqlClient, SqlConnection } from './sql-client.js';

export interface PgClientOptions {
  readonly connectionString: string;
  /** Every connection uses this schema (created if missing): tests and benches get their own. */
  readonly schema?: string;
  readonly max?: number;
}

const ident = (s: string): string => {
  if (!/^[a-z_][a-z0-9_]*$/.test(s)) throw new Error(`invalid schema name ${JSON.stringify(s)}`);
  return s;
};

export const createPgClient = async (opts: PgClientOptions): Promise<SqlClient> => {
  if (opts.schema) {
    const admin = new pg.Client({ connectionString: opts.connectionString });
    await admin.connect();
    try {
      await admin.query(`CREATE SCHEMA IF NOT EXISTS ${ident(opts.schema)}`);
    } finally {
      await admin.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.max ?? 10,
    ...(opts.schema ? { options: `-c search_path=${ident(opts.schema)}` } : {}),
  });
  // An idle client that errors (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const wrap = (c: pg.PoolClient): SqlConnection => ({
    query: async (sql, params) => {
      const r = await c.query(sql, params as unknown[]);
      return { rows: r.rows, rowCount: r.rowCount ?? 0 };
    },
    release: () => c.release(),
  });
  return {
    kind: 'postgres',
    query: async (sql, params) => {
      const r = await pool.query(sql, params as unknown[]);
      return { rows: r.rows, rowCount: r.rowCount ?? 0 };
    },
    connect: async () => wrap(await pool.connect()),
    pool: pool as unknown as SqlClient['pool'],
    // kysely's destroy() ends the same pool; closing twice must be harmless.
    close: async () => {
      if (!pool.ended) await pool.end();
    },
  };
};

export const dropPgSchema = async (connectionString: string, schema: string): Promise<void> => {
  const admin = new pg.Client({ connectionString });
  await admin.connect();
  try {
    await admin.query(`DROP SCHEMA IF EXISTS ${ident(schema)} CASCADE`);
  } finally {
    await admin.end();
  }
};
