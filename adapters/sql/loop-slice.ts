/**
 * A turn of the event loop now and then for work that otherwise never leaves the microtask queue.
 *
 * PGlite runs PostgreSQL in this thread and its promises settle as microtasks, so a chain of queries
 * (a projection catching up, the paper copier appending a batch) holds the thread until the chain
 * ends: the HTTP server reads no request and no timer fires meanwhile. On a loaded machine that was
 * seconds, long enough for a keep-alive socket's idle timer to close it under a request already sent
 * (the client sees ECONNRESET). `due()` resolves at once inside a slice and after one `setImmediate`
 * (a full turn: timers, I/O, then us) once the slice has run `sliceMs`.
 */
export const loopSlicer = (sliceMs: number, now: () => number = () => performance.now()) => {
  let sliceStart = now();
  const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
  return {
    due: async (): Promise<void> => {
      if (now() - sliceStart < sliceMs) return;
      await turn();
      sliceStart = now();
    },
  };
};
