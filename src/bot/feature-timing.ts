/**
 * With metrics on, the feature work of one book frame in this many is timed (a power of two). Timing a frame costs
 * two clock reads and a histogram observation, ~0.1 µs: against a book update + features of ~0.7 µs (the depth
 * features are computed when read, not per frame) one frame in 8 cost 4.4 % (`npm run bench features`, over the
 * hot-path budget of issue 15, ≤ 3 %); one in 32 brings it to ~0.5 %. The histogram's quantiles stay those of every
 * frame (a systematic sample); its `_count` is the number of timed frames, a 32nd of the frames
 * (`scalper_book_messages_total` counts them all).
 */
export const FEATURE_TIMING_SAMPLE_EVERY = 32;

/** Whether frame number `frame` (any running count of frames) is one whose feature computation is timed. */
export function isTimedFrame(frame: number): boolean {
  return (frame & (FEATURE_TIMING_SAMPLE_EVERY - 1)) === 0;
}
