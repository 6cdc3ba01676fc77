import { z } from 'zod';

/** A reply that is not what the venue documents: the batch is refused whole, nothing of it is used. */
export class LiveFeedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LiveFeedError';
  }
}

/** A reply's first few faults, each at its path: what every feed's error says was wrong. */
export const describeIssues = (e: z.ZodError): string =>
  e.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(reply)'}: ${i.message}`)
    .join('; ');

/** A listing reply a feed cannot read fails the whole call, naming the endpoint and what was wrong. */
export const readListing = <T>(what: string, read: () => T): T => {
  try {
    return read();
  } catch (e) {
    const why = e instanceof z.ZodError ? describeIssues(e) : (e as Error).message;
    throw new LiveFeedError(`listing: unexpected ${what} reply (${why.slice(0, 300)})`);
  }
};
