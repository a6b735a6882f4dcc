import { fmix32 } from './prng';

/**
 * Ids for orders, executions and push envelopes. The engine owns a counter (persisted in its snapshot) and asks
 * an `IdFactory` to turn counter values into ids, so a seeded run is reproducible and a restored account never
 * reissues an id it already handed out.
 */
export type IdFactory = (counter: number) => string;

const mix32 = fmix32;

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

/**
 * UUID-v4-shaped ids ("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", like Bybit's orderId/execId) that are a pure function
 * of (seed, epoch, counter). Injective per (seed, epoch) for counters below 2^32: the first word is a bijective mix
 * of the counter. The epoch is chosen when an account is created (its creation time): a reset account counts from 1
 * again, and without it would hand out the ids of the previous account, which a bot's database still holds. Ids of
 * different (seed, epoch) keys never coincide unless the two keys mix to the same 32-bit salt (the second word
 * determines it from the first). Epoch 0 gives the ids of accounts created before epochs existed.
 */
export function seededUuidFactory(seed: number, epoch = 0): IdFactory {
  const base = mix32(seed ^ 0x9e3779b9);
  const s = epoch === 0 ? base : mix32(base ^ mix32(epoch >>> 0) ^ mix32(Math.floor(epoch / 2 ** 32) + 0x7f4a7c15));
  return (counter: number) => {
    const a = mix32((counter ^ s) >>> 0); // bijective in counter for a fixed seed
    const b = mix32(a ^ 0x27d4eb2f ^ s);
    const c = mix32(b ^ 0x165667b1);
    const d = mix32(c ^ (counter / 2 ** 32));
    const w2 = hex8(b);
    const w3 = hex8(c);
    const variant = (8 + (c & 3)).toString(16);
    return `${hex8(a)}-${w2.slice(0, 4)}-4${w2.slice(5, 8)}-${variant}${w3.slice(1, 4)}-${w3.slice(4, 8)}${hex8(d)}`;
  };
}
