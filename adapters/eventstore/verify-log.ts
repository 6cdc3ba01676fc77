import type { SqlClient } from '../sql/sql-client.js';
import { chain, contentHash } from './event-hash.js';

export type ChainProblem =
  | { kind: 'altered'; globalPosition: number; streamId: string; streamVersion: number; detail: string }
  | {
      kind: 'missing_in_stream';
      globalPosition: number;
      streamId: string;
      streamVersion: number;
      detail: string;
    }
  | { kind: 'global_chain_broken'; globalPosition: number; previousPosition: number | null; detail: string };

export interface VerifyReport {
  readonly checked: number;
  readonly head: number;
  readonly ok: boolean;
  /** The first position where the log stops being what was written. */
  readonly firstBreak: number | null;
  readonly problems: ChainProblem[];
}

interface Row {
  global_position: string | number;
  event_id: string;
  stream_id: string;
  stream_version: number;
  type: string;
  schema_version: number;
  data: string;
  metadata: string;
  recorded_ms: string | number;
  stream_hash: Uint8Array;
  global_hash: Uint8Array;
}

const same = (a: Uint8Array, b: Uint8Array): boolean => Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0;

/**
 * Walks the log in order and recomputes every content hash and both chains (event-hash.ts). Each
 * check uses the stored hashes of the predecessors, so one edited or deleted row is reported where it
 * is and the walk goes on to find the next one.
 */
export const verifyLog = async (
  client: SqlClient,
  opts: { batchSize?: number; maxProblems?: number; onProgress?: (checked: number) => void } = {},
): Promise<VerifyReport> => {
  const batchSize = opts.batchSize ?? 5_000;
  const maxProblems = opts.maxProblems ?? 100;
  const streams = new Map<string, { version: number; hash: Uint8Array }>();
  const problems: ChainProblem[] = [];
  let prevGlobal: Uint8Array | null = null;
  let prevPosition: number | null = null;
  let position = 0;
  let checked = 0;
  for (;;) {
    const { rows } = await client.query<Row>(
      `SELECT global_position, event_id::text AS event_id, stream_id, stream_version, type, schema_version,
              data::text AS data, metadata::text AS metadata,
              (extract(epoch FROM recorded_at) * 1000)::float8 AS recorded_ms, stream_hash, global_hash
         FROM events WHERE global_position > $1 ORDER BY global_position LIMIT $2`,
      [position, batchSize],
    );
    if (rows.length === 0) break;
    for (const r of rows) {
      const gp = Number(r.global_position);
      const prev = streams.get(r.stream_id);
      const expectedVersion = (prev?.version ?? 0) + 1;
      if (r.stream_version !== expectedVersion) {
        problems.push({
          kind: 'missing_in_stream',
          globalPosition: gp,
          streamId: r.stream_id,
          streamVersion: r.stream_version,
          detail: `stream ${r.stream_id} jumps from version ${prev?.version ?? 0} to ${r.stream_version}: events deleted`,
        });
      } else {
        const content = contentHash({
          eventId: r.event_id,
          streamId: r.stream_id,
          type: r.type,
          schemaVersion: r.schema_version,
          recordedAt: new Date(Math.round(Number(r.recorded_ms))).toISOString(),
          dataJson: r.data,
          metadataJson: r.metadata,
        });
        if (!same(chain(prev?.hash ?? null, content), r.stream_hash)) {
          problems.push({
            kind: 'altered',
            globalPosition: gp,
            streamId: r.stream_id,
            streamVersion: r.stream_version,
            detail: `event ${r.event_id} (${r.type}) does not match its hash: its content or id was changed`,
          });
        }
      }
      if (!same(chain(prevGlobal, r.stream_hash), r.global_hash)) {
        problems.push({
          kind: 'global_chain_broken',
          globalPosition: gp,
          previousPosition: prevPosition,
          detail:
            prevPosition === null
              ? `the log's first event does not start the chain: earlier events were deleted`
              : `the chain from position ${prevPosition} to ${gp} is broken: an event between them was deleted or inserted, or hashes were rewritten`,
        });
      }
      streams.set(r.stream_id, { version: r.stream_version, hash: r.stream_hash });
      prevGlobal = r.global_hash;
      prevPosition = gp;
      checked++;
      if (problems.length >= maxProblems) break;
    }
    position = Number(rows[rows.length - 1]!.global_position);
    opts.onProgress?.(checked);
    if (problems.length >= maxProblems) break;
  }
  const firstBreak = problems.length ? Math.min(...problems.map((p) => p.globalPosition)) : null;
  return { checked, head: prevPosition ?? 0, ok: problems.length === 0, firstBreak, problems };
};
