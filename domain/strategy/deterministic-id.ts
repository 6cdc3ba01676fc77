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
    const hi = Math.floor(t / 0x10000);
    const a = mix(this.saltHash ^ seq);
    const b = mix(a ^ 0x9e3779b9 ^ seq);
    const c = mix(b ^ 0x85ebca6b);
    // 48-bit time | version 7 + 12 random bits | variant 10 + 14 bits | 48 bits (32 hashed + 16 of seq)
    return (
      hex8(hi) +
      '-' +
      hex4(t & 0xffff) +
      '-' +
      hex4(0x7000 | (a & 0x0fff)) +
      '-' +
      hex4(0x8000 | (b & 0x3fff)) +
      '-' +
      hex4((c >>> 16) ^ (seq >>> 16)) +
      hex8(((c & 0xffff) * 0x10000 + (seq & 0xffff)) >>> 0)
    );
  }
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const hex4 = (x: number): string => HEX[(x >>> 8) & 0xff]! + HEX[x & 0xff]!;
const hex8 = (x: number): string => hex4((x >>> 16) & 0xffff) + hex4(x & 0xffff);

const mix = (x: number): number => {
  let h = x >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
};
