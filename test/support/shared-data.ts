import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './process';

/**
 * The project's shared real data (`shared/data/...`: the Bybit recording and samples, the BTC candles) lives
 * outside the repository: beside the checkout in CI (`../shared`), at /work/shared on a developer's machine, so a
 * clone into any temp dir still finds it. SHARED_DIR overrides both.
 */
const CANDIDATES = [process.env.SHARED_DIR, join(REPO_ROOT, '../shared'), '/work/shared'].filter(
  (dir): dir is string => !!dir,
);

export const SHARED_DIR = CANDIDATES.find((dir) => existsSync(join(dir, 'data'))) ?? CANDIDATES[CANDIDATES.length - 1];

/** A path inside shared/, e.g. sharedPath('data/candles/btcusdt-1m-2021-02-19-to-25.csv'). */
export function sharedPath(relative: string): string {
  return join(SHARED_DIR, relative);
}
