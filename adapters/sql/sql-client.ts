import { Kysely, PostgresDialect, type PostgresPool } from 'kysely';

export interface SqlResult<R> {
  readonly rows: R[];
  readonly rowCount: number;
}

export interface SqlConnection {
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<SqlResult<R>>;
  release(): void;
}

/** The shape kysely's PostgresDialect expects of a pool; pg.Pool has it and the PGlite client mimics it. */
export type PoolLike = PostgresPool;

/**
 * One PostgreSQL, embedded (PGlite) or a server (pg). The event store's hot path uses raw SQL through
 * `query`; projections and migrations use kysely over the same connections.
 */
export interface SqlClient {
  readonly kind: 'pglite' | 'postgres';
  query<R = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<SqlResult<R>>;
  connect(): Promise<SqlConnection>;
  readonly pool: PoolLike;
  close(): Promise<void>;
}

export const transaction = async <T>(
  client: SqlClient,
  fn: (conn: SqlConnection) => Promise<T>,
): Promise<T> => {
  const conn = await client.connect();
  try {
    await conn.query('BEGIN');
    try {
      const result = await fn(conn);
      await conn.query('COMMIT');
      return result;
    } catch (err) {
      await conn.query('ROLLBACK');
      throw err;
    }
  } finally {
    conn.release();
  }
};

// biome-ignore lint/suspicious/noExplicitAny: read-model schemas are owned by each projection
export type AnyDb = Kysely<any>;

export const kyselyFor = (client: SqlClient): AnyDb =>
  new Kysely({ dialect: new PostgresDialect({ pool: client.pool }) });
