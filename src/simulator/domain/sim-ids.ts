import { fmix32 } from './prng';

/**
 * Ids for orders, executions and push envelopes. The engine owns a counter (persisted in its snapshot) and asks
 * an `IdFactory` to turn counter values into ids, so a seeded run is reproducible and a restored account never
 * reissues an id it already handed out.
 */
export type IdFactory = (counter: number) => string;

const mix32 = fmix32;

const HEX_DIGIT = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
const DASH = 45;

/**
 * UUID-v4-shaped ids ("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", like Bybit's orderId/execId) that are a pure function
 * of (seed, epoch, counter). Injective per (seed, epoch) for counters below 2^32: the first word is a bijective mix
 * of the counter. The epoch is chosen when an account is created (its creation time): a reset account counts from 1
 * again, and without it would hand out the ids of the previous account, which a bot's database still holds. Ids of
 * different (seed, epoch) keys never coincide unless the two keys mix to the same 32-bit salt (the second word
 * determines it from the first). Epoch 0 gives the ids of accounts created before epochs existed.
 */
export function seededUuidFactory(seed: number, epoch = 0): IdFactory {
  const uuids = new SeededUuids(seed, epoch);
  return (counter: number) => uuids.idFor(counter);
}

/**
 * seededUuidFactory's ids as an object: a caller that makes one per run (a sweep worker's backtests) calls the same
 * method every run, where a closure per run is a new call target each time for the optimizing compiler.
 */
export class SeededUuids {
  private readonly salt: number;
  /** The 36 character codes of one id, refilled per id and turned into one flat string: the engine names every
   * order, execution and push with one of these, and building them from hex words and slices allocated ten strings
   * each. */
  private readonly codes: number[] = new Array<number>(36).fill(0);

  constructor(seed: number, epoch = 0) {
    const base = mix32(seed ^ 0x9e3779b9);
    this.salt = epoch === 0 ? base : mix32(base ^ mix32(epoch >>> 0) ^ mix32(Math.floor(epoch / 2 ** 32) + 0x7f4a7c15));
  }

  idFor(counter: number): string {
    const s = this.salt;
    const codes = this.codes;
    const a = mix32((counter ^ s) >>> 0); // bijective in counter for a fixed seed
    const b = mix32(a ^ 0x27d4eb2f ^ s);
    const c = mix32(b ^ 0x165667b1);
    const d = mix32(c ^ (counter / 2 ** 32));
    // xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx: a; b's first 4 nibbles; '4' and b's nibbles 6..8; the variant (8 + the
    // low two bits of c) and c's nibbles 2..4; c's last 4 nibbles and d.
    putNibbles(codes, 0, a, 8, 28);
    codes[8] = DASH;
    putNibbles(codes, 9, b, 4, 28);
    codes[13] = DASH;
    codes[14] = HEX_DIGIT[4];
    putNibbles(codes, 15, b, 3, 8);
    codes[18] = DASH;
    codes[19] = HEX_DIGIT[8 + (c & 3)];
    putNibbles(codes, 20, c, 3, 24);
    codes[23] = DASH;
    putNibbles(codes, 24, c, 4, 12);
    putNibbles(codes, 28, d, 8, 28);
    return String.fromCharCode.apply(null, codes);
  }
}

function putNibbles(codes: number[], at: number, word: number, nibbles: number, shift: number): void {
  for (let i = 0; i < nibbles; i++) codes[at + i] = HEX_DIGIT[(word >>> (shift - 4 * i)) & 15];
}
