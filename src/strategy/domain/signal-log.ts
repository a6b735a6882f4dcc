import { Signal } from './signal';

/** Fixed-capacity ring, newest overwriting oldest: O(1) push, O(k) read of the newest k. */
class Ring<T> {
  private readonly items: Array<T | undefined>;
  private next = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    this.items = new Array<T | undefined>(capacity);
  }

  push(item: T): void {
    this.items[this.next] = item;
    this.next = (this.next + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
  }

  /** Newest first, at most `limit`. */
  newest(limit: number): T[] {
    const n = Math.min(limit, this.size);
    const out: T[] = [];
    for (let i = 1; i <= n; i++) out.push(this.items[(this.next - i + this.capacity) % this.capacity] as T);
    return out;
  }

  get length(): number {
    return this.size;
  }
}

/**
 * Recent signals for `/trading/signals` and `/ws` (SPEC §3): a bounded ring per symbol plus one across symbols, so a
 * chatty symbol cannot evict a quiet one's history. O(1) insert; reads are newest first.
 */
export class SignalLog {
  private readonly all: Ring<Signal>;
  private readonly bySymbol = new Map<string, Ring<Signal>>();

  constructor(
    readonly perSymbolCapacity = 200,
    readonly totalCapacity = 1000,
  ) {
    if (!(Number.isInteger(perSymbolCapacity) && perSymbolCapacity > 0))
      throw new RangeError(`perSymbolCapacity must be a positive integer`);
    if (!(Number.isInteger(totalCapacity) && totalCapacity > 0))
      throw new RangeError(`totalCapacity must be a positive integer`);
    this.all = new Ring(totalCapacity);
  }

  add(signal: Signal): void {
    let ring = this.bySymbol.get(signal.symbol);
    if (!ring) this.bySymbol.set(signal.symbol, (ring = new Ring(this.perSymbolCapacity)));
    ring.push(signal);
    this.all.push(signal);
  }

  /** Newest first; `symbol` filters, `limit` caps (default 50, at most the ring's capacity). */
  recent(query: { readonly symbol?: string; readonly limit?: number } = {}): Signal[] {
    const limit = Math.max(0, Math.floor(query.limit ?? 50));
    if (query.symbol === undefined) return this.all.newest(limit);
    return this.bySymbol.get(query.symbol)?.newest(limit) ?? [];
  }

  /** How many signals are held for `symbol` (or across symbols). */
  size(symbol?: string): number {
    return symbol === undefined ? this.all.length : (this.bySymbol.get(symbol)?.length ?? 0);
  }
}
