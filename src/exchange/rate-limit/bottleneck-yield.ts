/**
 * Bottleneck's in-memory datastore yields to the event loop with `setTimeout(resolve, 0)` about five times per job
 * (register, submit, free, …). Node clamps a 0 ms timer to ≥ 1 ms, so every rate-limited call waited ~5 ms per
 * limiter — ~10 ms per order with the group limiter chained to the IP limiter (measured: `npm run bench
 * order-latency`, "limiter alone"). For a scalper that is most of the order's latency budget. Yielding with
 * setImmediate keeps Bottleneck's semantics (it still lets other callbacks run between its steps) without the
 * timer clamp. Applied once, idempotently, to Bottleneck's own prototype: every limiter in the process shares it.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const LocalDatastore = require('bottleneck/lib/LocalDatastore') as {
  prototype: { yieldLoop(t?: number): Promise<void>; Promise: PromiseConstructor };
};

const PATCHED = Symbol.for('bybit-scalper.bottleneck-yield');

export function useImmediateYieldInBottleneck(): void {
  const proto = LocalDatastore.prototype as unknown as Record<symbol, boolean> & {
    yieldLoop(t?: number): Promise<void>;
  };
  if (proto[PATCHED]) return;
  const original = proto.yieldLoop;
  proto.yieldLoop = function yieldLoop(this: { Promise: PromiseConstructor }, t = 0): Promise<void> {
    if (t > 0) return original.call(this, t);
    return new this.Promise<void>((resolve) => setImmediate(resolve));
  };
  proto[PATCHED] = true;
}
