/** A depth stream that cannot be applied to the snapshot: the book would silently be wrong from here on. */
export class BookSyncError extends Error {
  constructor(
    readonly reason: 'gap' | 'stale-snapshot' | 'no-snapshot',
    message: string,
    readonly firstUpdateId: number,
    readonly lastUpdateId: number,
    readonly prevUpdateId: number,
    /** The id the book expected to continue from (previous u, or the snapshot id before the first update). */
    readonly expected: number,
  ) {
    super(message);
    this.name = 'BookSyncError';
  }
}
