import { listRecordingFiles, readLines } from '../recording-reader';
import { RecordingError } from '../domain/recording';
import type { TimeSpan } from '../domain/sweep';

/**
 * The exchange-time span of a recording (file or directory): [first ts, last ts + 1). Streams each file once and
 * parses only its first and last non-blank lines, so it costs a read (and a gunzip), not a replay.
 */
export async function recordingSpan(path: string): Promise<TimeSpan> {
  let fromMs = Infinity;
  let toMs = -Infinity;
  for (const file of listRecordingFiles(path)) {
    let first: string | undefined;
    let last: string | undefined;
    for await (const line of readLines(file)) {
      if (line.trim().length === 0) continue;
      first ??= line;
      last = line;
    }
    for (const line of [first, last]) {
      const ts = line === undefined ? undefined : tsOf(line);
      if (ts === undefined) continue;
      fromMs = Math.min(fromMs, ts);
      toMs = Math.max(toMs, ts + 1);
    }
  }
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs)) {
    throw new RecordingError(
      'BAD_FILTER',
      `${path}: no message with a ts, so no period to split (give --from and --to)`,
    );
  }
  return { fromMs, toMs };
}

function tsOf(line: string): number | undefined {
  try {
    const ts = (JSON.parse(line) as { ts?: unknown }).ts;
    return typeof ts === 'number' && Number.isSafeInteger(ts) ? ts : undefined;
  } catch {
    return undefined;
  }
}
