/**
 * Small, fast, seedable pseudo-random numbers for the simulator (xoshiro128**, seeded through splitmix32 from a
 * string hash). Every stream is derived from (SIM_SEED, name…) alone, so adding a symbol or a consumer never shifts
 * the numbers another stream sees, and a run is reproducible from its seed.
 */

export type SimSeed = string | number;

/** 32-bit FNV-1a of a string, finished with a murmur3 mix so close strings land far apart. */
export function hashString32(text: string, basis = 0x811c9dc5): number {
  let h = basis >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

/** 32-bit avalanche mix (murmur3 finaliser): nearby inputs give unrelated-looking outputs. */
export function fmix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

const TWO_POW_32 = 4294967296;
const HEX = '0123456789abcdef';

export class Prng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  /** Second value of the last Box–Muller pair, NaN when none is cached. */
  private spare = Number.NaN;

  /** The stream named by `names` under `seed`, e.g. `Prng.from(SIM_SEED, 'BTCUSDT')`. */
  static from(seed: SimSeed, ...names: string[]): Prng {
    const key = [String(seed), ...names].join('\u0000');
    let sm = hashString32(key);
    const next = (): number => {
      // splitmix32: spreads one 32-bit hash into four well-mixed state words
      sm = (sm + 0x9e3779b9) >>> 0;
      let z = sm;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    return new Prng(next(), next(), next(), next() ^ hashString32(key, 0x9747b28c));
  }

  constructor(s0: number, s1: number, s2: number, s3: number) {
    this.s0 = s0 >>> 0;
    this.s1 = s1 >>> 0;
    this.s2 = s2 >>> 0;
    this.s3 = s3 >>> 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 0x9e3779b9; // the all-zero state is a fixed point
  }

  /** A uniform unsigned 32-bit integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3 >>> 0, 11);
    this.s0 >>>= 0;
    this.s1 >>>= 0;
    return result;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Uniform integer in [minInclusive, maxExclusive). */
  int(minInclusive: number, maxExclusive: number): number {
    return minInclusive + Math.floor(this.next() * (maxExclusive - minInclusive));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  /** Gaussian via Box–Muller (the pair's second value is kept for the next call). */
  normal(mean = 0, sd = 1): number {
    if (!Number.isNaN(this.spare)) {
      const z = this.spare;
      this.spare = Number.NaN;
      return mean + sd * z;
    }
    let u = this.next();
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return mean + sd * r * Math.cos(2 * Math.PI * v);
  }

  /** Exponential with the given mean (not rate). */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }

  logNormal(mu: number, sigma: number): number {
    return Math.exp(this.normal(mu, sigma));
  }

  /** Poisson count (Knuth for small means, a rounded normal above 30 where Knuth gets slow). */
  poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean > 30) return Math.max(0, Math.round(this.normal(mean, Math.sqrt(mean))));
    const limit = Math.exp(-mean);
    let k = 0;
    let p = this.next();
    while (p > limit) {
      k++;
      p *= this.next();
    }
    return k;
  }

  /** A deterministic RFC 4122 version-4 shaped id (Bybit trade ids look like this). */
  uuid(): string {
    let out = '';
    for (let w = 0; w < 4; w++) {
      let word = this.nextUint32();
      if (w === 1) word = (word & 0xffff0fff) | 0x00004000; // version 4
      if (w === 2) word = ((word & 0x3fffffff) | 0x80000000) >>> 0; // variant 10xx
      for (let shift = 28; shift >= 0; shift -= 4) {
        out += HEX[(word >>> shift) & 0xf];
        const length = out.length;
        if (length === 8 || length === 13 || length === 18 || length === 23) out += '-';
      }
    }
    return out;
  }
}
