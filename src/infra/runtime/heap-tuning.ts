import { setFlagsFromString } from 'node:v8';

/** The V8 setting applyHeapTuning() changes; exported for the spec that checks it took effect. */
export const HEAP_TUNING_FLAG = '--no-allocation-site-pretenuring';

/**
 * Turns off V8's allocation-site pretenuring for this process (workers included: V8 flags are process-wide).
 *
 * V8 allocates the objects of an allocation site (an object or array literal in some function) straight into the
 * old generation once it has seen nearly all of them survive a scavenge (`node --trace-pretenuring` shows such
 * `=> tenure` decisions in this process, at survival ratio 1.0), and it only takes them back after a mark-compact
 * that keeps under 10 % of the old generation, which the app's long-lived state never allows. Under HTTP load the
 * objects then promoted were the requests' own (a sampling heap profile of what only major GCs freed: Node's
 * header strings, helmet's header entries, IncomingMessage/ServerResponse, Nest's and passport's per-request
 * objects): old-generation garbage that only a full mark-compact frees. Measured with `node --trace-gc` during
 * `npm run bench auth-verify`: ~1.9 MB promoted per scavenge (~70 MB/s) and ~150 ms of GC pauses per second with
 * pretenuring, 0.02 MB and ~40 ms/s without; the app's CPU per request 97 → 65 µs. The feed bench (market data)
 * showed no cost from it.
 *
 * V8 reads this flag when it processes each scavenge's feedback, so setting it at run time works (the spec
 * checks the effect); it must come before the application has served traffic, i.e. when the app is built.
 */
export function applyHeapTuning(): void {
  setFlagsFromString(HEAP_TUNING_FLAG);
}
