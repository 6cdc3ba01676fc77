/**
 * UUID v7 whose bits are a pure function of (time, sequence, salt): a re-run of the same inputs writes
 * the same event ids, which is what makes "byte-identical except recordedAt" possible. The 48-bit time
 * is the domain time in ms; the 74 "random" bits are a hash of the salt (run id) and a per-run sequence.
 */
export class DeterministicIds {
  private seq = 0;
  private readonly saltHash: number;

  constructor(salt: string) {
    let h = 0x811c9dc5;
    for (let i = 0; i < salt.length; i++) {
      h ^= salt.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    this.saltHash = h >>> 0;
  }

  next(timeMs: number): string {
    const seq = this.seq++;
    const t = Math.max(0, Math.floor(timeMs));
    const hex = t.toString(16).padStart(12, '0').slice(-12);
    const a = mix(this.saltHash ^ seq);
    const b = mix(a ^ 0x9e3779b9 ^ seq);
    const c = mix(b ^ 0x85ebca6b);
    const randA = (a & 0x0fff).toString(16).padStart(3, '0');
    const variant = (0x8 | ((b >>> 28) & 0x3)).toString(16);
    const randB = (b & 0x0fff_ffff).toString(16).padStart(7, '0');
    const randC = ((c >>> 0) * 0x100 + (seq & 0xff)).toString(16).padStart(10, '0').slice(-10);
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${randA}-${variant}${randB.slice(0, 3)}-${randB.slice(3)}${randC.slice(0, 8)}`;
  }
}

const mix = (x: number): number => {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
};
