/**
 * The version of what the engine writes for given inputs. A restart replays a paper run from its start
 * and carries on after what the log holds, which works only while this build writes the very log the
 * recorded run did. Bump it whenever the same inputs give another log (another event, value or time),
 * so runs recorded by an earlier engine are ended where they stood rather than resumed into a conflict.
 *
 * 1: every build up to 2026-11-27.
 * 2: equity marks written after every bar closing at the mark's time (they valued the symbols after the
 *    first at their previous close); a bar-fill stop's trigger stamped when its exit is.
 * 3: sizing and the adaptive stops read the symbol's vol percentile and regime, the run's equity slope
 *    and its Kelly statistics (all were left out before); the sizing stop distance carries the
 *    adaptive factor; a liquidation past the bankruptcy price loses only the margin.
 * 4: the breaker measures the cross account's margin ratio at each mark (flatten at 90 %, before the
 *    venue liquidates at 100 %), and the slippage of fills from a book or an exchange (it read 0); its
 *    events are schema version 2, with the ratio among the measurements.
 * 5: the order-rate rule counts the orders sent over its whole window: they were kept for an hour, so a
 *    window longer than that (a count per day) counted only the last hour's; it counts every order sent
 *    (exits resolved inside a bar and backstops were left out); past its limit an order that reduces a
 *    position passes, as past the breaker's halt and the day's loss.
 * 6: an order the ledger refuses by the venue's listed rules before it is sent is recorded (OrderRefused, in
 *    the run's stream, with the rule): before, nothing was written, and a breaker that counted the refusals
 *    as venue errors halted the run with nothing in its log to say why.
 */
export const engineLogVersion = 6;

/** The run id suffix of a run this engine writes: none for version 1, whose ids had none. */
export const engineTag = (version = engineLogVersion): string => (version > 1 ? `-e${version}` : '');

/** The engine log version a paper or live run id says it was written by (1 without a tag). */
export const engineVersionOf = (runId: string): number => {
  // At most three digits: a version-1 id ends in its six-character symbols tag, which may itself read
  // `e` and five digits (`-e12345`).
  const m = /-e(\d{1,3})$/.exec(runId);
  return m ? Number(m[1]) : 1;
};
