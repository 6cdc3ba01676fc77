import { Observable } from 'rxjs';
import type { RecordedEvent } from '../../domain/events/envelope.js';
import type { EventStore, SubscribeOptions } from '../../domain/events/event-store.js';

/** The store's subscription as an rxjs Observable: unsubscribing aborts the underlying tail. */
export const observe = (
  store: EventStore,
  options: Omit<SubscribeOptions, 'signal'> = {},
): Observable<RecordedEvent> =>
  new Observable<RecordedEvent>((subscriber) => {
    const abort = new AbortController();
    (async () => {
      for await (const e of store.subscribe({ ...options, signal: abort.signal })) subscriber.next(e);
      subscriber.complete();
    })().catch((err: unknown) => subscriber.error(err));
    return () => abort.abort();
  });
