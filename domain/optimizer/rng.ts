/**
 * Seeded PRNG for the optimizer. sfc32 (Chris Doty-Humphrey's Small Fast Counting generator): 128 bits of
 * state, passes PractRand to many TB, and is cheap in 32-bit JS integer maths. domain/ may not use
 * Math.random: a run must re-run to the same trials from its seed, and a resumed coordinator must be able
 * to restore the generator exactly, hence `state()` / `Rng.restore`.
 */
export type RngState = readonly [number, number, number, number];

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  private constructor(a: number, b: number, c: number, d: number) {
    this.a = a >>> 0;
    this.b = b >>> 0;
    this.c = c >>> 0;
    this.d = d >>> 0;
  }

  /** A string seed (a run id) or a number; equal seeds give equal streams on every platform. */
  static seeded(seed: number | string): Rng {
    let h = typeof seed === 'number' ? hashNumber(seed) : hashString(seed);
    // splitmix32 spreads a weak seed (0, 1, 2...) over all four words, so nearby seeds give unrelated streams.
    const words: number[] = [];
    for (let i = 0; i < 4; i++) {
      h = (h + 0x9e3779b9) >>> 0;
      let z = h;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      words.push((z ^ (z >>> 16)) >>> 0);
    }
    const rng = new Rng(words[0]!, words[1]!, words[2]!, words[3]! | 1);
    // sfc32's first outputs are correlated with the seed words; the reference implementation discards 12.
    for (let i = 0; i < 12; i++) rng.nextUint32();
    return rng;
  }

  static restore(state: RngState): Rng {
    return new Rng(state[0], state[1], state[2], state[3]);
  }

  state(): RngState {
    return [this.a, this.b, this.c, this.d];
  }

  /** An independent child stream (per trial, per window) that does not disturb this one's sequence more than one draw. */
  fork(label: string | number): Rng {
    return Rng.seeded(`${this.nextUint32()}:${label}`);
  }

  nextUint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform on [0, 1) with 53 random bits: 32 bits alone leave gaps a TPE density ratio can notice. */
  float(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`int(n) needs a positive integer, got ${n}`);
    return Math.floor(this.float() * n);
  }

  /** Standard normal by Box–Muller; the second variate is dropped so the state stays four words. */
  normal(): number {
    let u = this.float();
    while (u === 0) u = this.float();
    const v = this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Fisher–Yates, in place. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i]!;
      items[i] = items[j]!;
      items[j] = tmp;
    }
    return items;
  }
}

const hashString = (s: string): number => {
  // FNV-1a: stable and good enough to pick a starting point for splitmix.
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
};

const hashNumber = (n: number): number => {
  if (!Number.isFinite(n)) throw new RangeError(`seed must be finite, got ${n}`);
  if (Number.isInteger(n) && Math.abs(n) <= 0xffffffff) return n >>> 0;
  return hashString(String(n));
};
