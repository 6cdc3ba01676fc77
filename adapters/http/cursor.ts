import { ApiError } from './errors.js';

/*
 * Cursors are opaque so the paging scheme can change without breaking clients; today one is the global
 * position the next page reads below, base64url-encoded with a version tag.
 */
export const encodeCursor = (position: number | null): string | null =>
  position === null ? null : Buffer.from(`p1:${position}`).toString('base64url');

export const decodeCursor = (cursor: string | undefined): number | undefined => {
  if (cursor === undefined) return undefined;
  const m = /^p1:(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) throw new ApiError(400, 'bad_cursor', 'cursor is not one returned by this API');
  return Number(m[1]);
};
