/**
 * The standard normal distribution to double precision. PSR/DSR live in the tails (a DSR of 0.999 vs
 * 0.9999 decides a promotion; E[max SR] needs Φ⁻¹(1 − 1/(N·e)) for N up to millions), so the textbook
 * Abramowitz–Stegun 7.26 approximation (error 1e-7) is not good enough.
 */

const SQRT_2PI = 2.5066282746310002;

export const normalPdf = (x: number): number => Math.exp(-0.5 * x * x) / SQRT_2PI;

/**
 * Φ(x) within 1e-13 relative of R's pnorm, tails included: the small tail is computed directly, so Φ(−10) keeps its
 * digits instead of being 1 − (1 − 7.6e-24) = 0. Near the centre, Marsaglia's series (JSS 11(4), 2004)
 * Φ(x) = ½ + φ(x)·Σ x^(2n+1)/(2n+1)!! has only positive terms; beyond |x| = 3 the Laplace continued
 * fraction for Mills' ratio converges quickly and is evaluated backwards from a fixed depth. (Hart's 1968
 * rational approximation, the usual choice, is only 5e-11 relative at x = −5 and 3e-9 at −10.)
 */
export const normalCdf = (x: number): number => {
  if (Number.isNaN(x)) return Number.NaN;
  const z = Math.abs(x);
  if (z < 3) {
    let term = x;
    let sum = x;
    const x2 = x * x;
    for (let k = 3; Math.abs(term) > 1e-17 * Math.abs(sum); k += 2) {
      term *= x2 / k;
      sum += term;
    }
    return 0.5 + normalPdf(x) * sum;
  }
  // Mills' ratio R(z) = 1/(z + 1/(z + 2/(z + 3/(z + ...)))); depth chosen so the truncation error is below
  // 1e-16 at the smallest z it is used for.
  const depth = z < 4 ? 400 : z < 6 ? 160 : 60;
  let cf = z;
  for (let k = depth; k >= 1; k--) cf = z + k / cf;
  const tail = normalPdf(z) / cf;
  return x > 0 ? 1 - tail : tail;
};

// Wichura's published coefficients, written as the doubles they round to (biome rejects unrepresentable digits).
const A = [
  3.3871328727963665, 133.14166789178438, 1971.5909503065513, 13731.69376550946, 45921.95393154987,
  67265.7709270087, 33430.57558358813, 2509.0809287301227,
] as const;
const B = [
  1, 42.31333070160091, 687.1870074920579, 5394.196021424751, 21213.794301586597, 39307.89580009271,
  28729.085735721943, 5226.495278852854,
] as const;
const C = [
  1.4234371107496835, 4.630337846156546, 5.769497221460691, 3.6478483247632045, 1.2704582524523684,
  0.2417807251774506, 0.022723844989269184, 0.0007745450142783414,
] as const;
const D = [
  1, 2.053191626637759, 1.6763848301838038, 0.6897673349851, 0.14810397642748008, 0.015198666563616457,
  0.0005475938084995345, 1.0507500716444169e-9,
] as const;
const E = [
  6.657904643501103, 5.463784911164114, 1.7848265399172913, 0.29656057182850487, 0.026532189526576124,
  0.0012426609473880784, 2.7115555687434876e-5, 2.0103343992922881e-7,
] as const;
const F = [
  1, 0.599832206555888, 0.1369298809227358, 0.014875361290850615, 0.0007868691311456133,
  1.8463183175100548e-5, 1.421511758316446e-7, 2.0442631033899397e-15,
] as const;

const horner = (c: readonly number[], x: number): number => {
  let v = c[c.length - 1]!;
  for (let i = c.length - 2; i >= 0; i--) v = v * x + c[i]!;
  return v;
};

/**
 * Φ⁻¹(p) by Wichura's AS 241 (PPND16, Applied Statistics 37(3), 1988): relative error about 1e-16 over
 * (0, 1), the same algorithm R's qnorm uses.
 */
export const normalInv = (p: number): number => {
  if (Number.isNaN(p) || p < 0 || p > 1) throw new RangeError(`normalInv needs p in [0, 1], got ${p}`);
  if (p === 0) return Number.NEGATIVE_INFINITY;
  if (p === 1) return Number.POSITIVE_INFINITY;
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (q * horner(A, r)) / horner(B, r);
  }
  let r = q < 0 ? p : 1 - p;
  r = Math.sqrt(-Math.log(r));
  const v = r <= 5 ? horner(C, r - 1.6) / horner(D, r - 1.6) : horner(E, r - 5) / horner(F, r - 5);
  return q < 0 ? -v : v;
};
