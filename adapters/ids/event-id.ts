import { randomFillSync } from 'node:crypto';
import { V7Generator } from 'uuidv7';

/**
 * Random words for UUIDv7 ids, drawn from the OS's CSPRNG 1,024 at a time. uuidv7's default source
 * refills an 8-word buffer through crypto.getRandomValues, one call per ~8 ids; at the ledger's append
 * rate that call alone was 10 % of the in-memory path's time (`npm run bench:ledger`, profiled). Event
 * ids need uniqueness and order, not secrecy, and a pool of CSPRNG output serves both as well.
 */
class PooledRandom {
  private readonly words = new Uint32Array(1024);
  private next = this.words.length;

  nextUint32(): number {
    if (this.next === this.words.length) {
      randomFillSync(this.words);
      this.next = 0;
    }
    return this.words[this.next++]!;
  }
}

// One generator per process, as uuidv7's own: ids from it are strictly increasing (its counter carries
// them through a millisecond and a clock that steps back).
const generator = new V7Generator(new PooledRandom());

/** A new event id: a UUIDv7 in canonical lower-case text, monotonic within this process. */
export const newEventId = (): string => generator.generate().toString();
