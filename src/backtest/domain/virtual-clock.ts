import { Clock } from '../../common/clock';
import type { Delay, Stopwatch } from '../../execution/domain/kernel-ports';

/**
 * The backtest's time: a clock that moves only when the replay moves it (to each message's exchange `ts`, or to the
 * next due timer), and a timer queue in place of setTimeout. It serves the execution kernel's Clock, Stopwatch and
 * Delay ports, and the simulated venue's latencies. Pure: nothing here reads the wall clock or starts a timer.
 *
 * - Time is kept in fractional milliseconds (a per-message compute cost of a few microseconds must add up);
 *   `nowMs()` (the Clock port: timestamps stored on orders and positions) is its floor, `stopwatch.nowMs()`
 *   (latency figures) the exact value.
 * - Timers run in (time, scheduling order): two timers due at the same instant run in the order they were set,
 *   so a run is the same run every time.
 * - Time never goes backwards: advancing to an earlier instant (a message older than a timer that just ran) keeps
 *   the later time.
 */
export class VirtualClock extends Clock implements Delay {
  private t: number;
  private sequence = 0;
  private readonly heap: Timer[] = [];
  private quiet = false;
  /** Monotonic reading for latency figures: the exact virtual time. */
  readonly stopwatch: Stopwatch = { nowMs: () => this.t };

  constructor(startMs = 0) {
    super();
    this.t = startMs;
  }

  nowMs(): number {
    return Math.floor(this.t);
  }

  /** The exact virtual time, ms (fractional). */
  get time(): number {
    return this.t;
  }

  /** Moves time forward to `ms` (never back). Timers due meanwhile are not run: see runDue. */
  advanceTo(ms: number): void {
    if (ms > this.t) this.t = ms;
  }

  /** Adds `ms` to the time (a compute cost charged to the clock). */
  charge(ms: number): void {
    if (ms > 0) this.t += ms;
  }

  /** The Delay port: resolves when the clock reaches now + ms. */
  wait(ms: number): Promise<void> {
    return new Promise<void>((resolve) => this.at(this.t + Math.max(0, ms), resolve));
  }

  /**
   * Runs `task` when the clock reaches `timeMs` (at once on the next runNext when that is already past). `quiet`:
   * the task settles no promise and calls no listener (it only computes and schedules), so whoever runs the timers
   * need not let promise continuations run after it (lastWasQuiet).
   */
  at(timeMs: number, task: () => void, quiet = false): void {
    const timer: Timer = { time: Math.max(timeMs, this.t), seq: this.sequence++, task, quiet };
    const heap = this.heap;
    heap.push(timer);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(timer, heap[parent])) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = timer;
  }

  /** The timer runNext ran last was set as quiet. */
  get lastWasQuiet(): boolean {
    return this.quiet;
  }

  /** Timers waiting. */
  get pending(): number {
    return this.heap.length;
  }

  /** When the earliest timer is due, or undefined when none is. */
  nextDue(): number | undefined {
    return this.heap.length > 0 ? this.heap[0].time : undefined;
  }

  /**
   * Whether a timer would run by `untilMs` (runNext's test). A boolean, not nextDue's number: the replay asks before
   * every message, and a returned fractional time is a boxed number each time.
   */
  hasDueBy(untilMs: number): boolean {
    const heap = this.heap;
    return heap.length > 0 && !(heap[0].time > untilMs);
  }

  /**
   * Runs the earliest timer if it is due at or before `untilMs`, moving the clock to its time; false when none is.
   * One at a time, so the caller can let the work a timer started settle before the next one runs.
   */
  runNext(untilMs: number): boolean {
    const heap = this.heap;
    if (heap.length === 0 || heap[0].time > untilMs) return false;
    const top = heap[0];
    const last = heap.pop() as Timer;
    if (heap.length > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= heap.length) break;
        const right = left + 1;
        const child = right < heap.length && before(heap[right], heap[left]) ? right : left;
        if (!before(heap[child], last)) break;
        heap[i] = heap[child];
        i = child;
      }
      heap[i] = last;
    }
    this.advanceTo(top.time);
    this.quiet = top.quiet;
    top.task();
    return true;
  }
}

interface Timer {
  readonly time: number;
  readonly seq: number;
  readonly task: () => void;
  readonly quiet: boolean;
}

function before(a: Timer, b: Timer): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}
