/** A reply that is not what the venue documents: the batch is refused whole, nothing of it is used. */
export class LiveFeedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LiveFeedError';
  }
}
