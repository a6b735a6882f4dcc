/**
 * With metrics on, the feature computation of one book frame in this many is timed (a power of two). Timing a
 * frame costs two clock reads and a histogram observation, ~0.1 µs: against a 2.5–4 µs book update + features
 * that is 3–4 %, over the hot-path budget of issue 15 (≤ 3 %); one frame in 8 brings it to ~0.5 %. The
 * histogram's quantiles stay those of every frame (a systematic sample); its `_count` is the number of timed
 * frames, an eighth of the frames (`scalper_book_messages_total` counts them all).
 */
export const FEATURE_TIMING_SAMPLE_EVERY = 8;

/** Whether frame number `frame` (any running count of frames) is one whose feature computation is timed. */
export function isTimedFrame(frame: number): boolean {
  return (frame & (FEATURE_TIMING_SAMPLE_EVERY - 1)) === 0;
}
