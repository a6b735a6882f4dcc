import { setFlagsFromString } from 'node:v8';

/** The V8 setting applyHeapTuning() changes; exported for the spec that checks it took effect. */
export const HEAP_TUNING_FLAG = '--no-allocation-site-pretenuring';

/**
 * Turns off V8's allocation-site pretenuring for this process (workers included: V8 flags are process-wide).
 *
 * V8 allocates the objects of an allocation site (an object or array literal in some function) straight into the
 * old generation once it has seen nearly all of them survive a scavenge. In this process it takes that decision
 * for sites on the HTTP request path (Node's header handling, the hooks', Nest's and passport's per-request
 * objects) while start-up and the in-process simulator keep many objects alive; it never takes it back, because
 * the old generation's survival rate (the simulator's state, compiled code) stays above V8's reset threshold.
 * From then on every request's short-lived objects are old-generation garbage that only a full mark-compact
 * frees. Measured with `node --trace-gc` during `npm run bench auth-verify`: ~1.9 MB promoted per scavenge
 * (~70 MB/s) and ~150 ms of GC pauses per second with pretenuring, 0.02 MB and ~40 ms/s without, the app's CPU
 * per request 97 → 65 µs. What pretenuring saves elsewhere (copying long-lived objects once more) is small
 * next to that.
 *
 * V8 reads this flag when it processes each scavenge's feedback, so setting it at run time works (the spec
 * checks the effect); it must come before the application has served traffic, i.e. when the app is built.
 */
export function applyHeapTuning(): void {
  setFlagsFromString(HEAP_TUNING_FLAG);
}
