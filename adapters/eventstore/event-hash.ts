import { createHash, hash } from 'node:crypto';

/**
 * Tamper evidence. Each event's content hash covers what a reviewer relies on: id, stream, type,
 * schema version, recordedAt and the exact JSON text of data and metadata as stored (the log keeps
 * `json`, so the stored text is the text hashed). Two chains are built from it inside the append lock:
 *   stream_hash = sha256(previous stream_hash of the same stream ‖ content hash)
 *   global_hash = sha256(previous global_hash in the log ‖ stream_hash)
 * The stream chain shows a stream's history is whole; the global chain catches any event deleted,
 * inserted or edited anywhere, including the last event of a stream or a whole stream. Keeping the
 * chain continuous costs one lookup per append because appends are already serialised (migrations.ts).
 */
export interface HashedContent {
  eventId: string;
  streamId: string;
  type: string;
  schemaVersion: number;
  recordedAt: string;
  dataJson: string;
  metadataJson: string;
}

const contentText = (c: HashedContent): string =>
  `${c.eventId}\n${c.streamId}\n${c.type}\n${c.schemaVersion}\n${c.recordedAt}\n${c.dataJson}\n${c.metadataJson}`;

// One-shot hash(): half the cost of createHash().update().digest() for a few hundred bytes.
export const contentHash = (c: HashedContent): Buffer => hash('sha256', contentText(c), 'buffer');

/** The same hash as hex text, as the append sends it: straight to hex skips a Buffer and its conversion. */
export const contentHashHex = (c: HashedContent): string => hash('sha256', contentText(c), 'hex');

const EMPTY = Buffer.alloc(0);

export const chain = (previous: Uint8Array | null, next: Uint8Array): Buffer =>
  createHash('sha256')
    .update(previous ?? EMPTY)
    .update(next)
    .digest();
