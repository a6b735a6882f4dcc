import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { DomainError } from '../../common/domain-error';
import { isSweepRankMetric, parseSweepAxis, SWEEP_METRIC_KEYS, type SweepRankMetric } from '../domain/sweep';
import { RUN_ARGUMENTS, runArgumentsFrom } from '../run-arguments';
import { DEFAULT_IN_SAMPLE_SHARE, runSweep, type SweepOptions } from './sweep-runner';

/**
 * `npm run backtest -- --data <file|dir> --out <dir> --sweep KEY=a,b,c [--sweep KEY=…] [--in-sample 0.7]
 * [--workers N] [--rank-by netPnl] [--set KEY=VALUE ..] [--symbols ..] [--from ..] [--to ..] [--seed N]`
 * (backtest.cli.ts hands any command line with --sweep here).
 */

const USAGE =
  'usage: npm run backtest -- --data <file|dir> --out <dir> --sweep KEY=a,b,c [--sweep KEY=..] [--in-sample 0.7] ' +
  `[--workers N] [--rank-by ${SWEEP_METRIC_KEYS.join('|')}] [--set KEY=VALUE ..] [--symbols A,B] [--from T] [--to T] [--seed N]`;

export class SweepUsageError extends DomainError<'BAD_ARGUMENT'> {
  constructor(message: string) {
    super('BAD_ARGUMENT', 'INVALID', `${message}\n${USAGE}`);
  }
}

export function isSweepCommand(argv: readonly string[]): boolean {
  return argv.some((arg) => arg === '--sweep' || arg.startsWith('--sweep='));
}

export function sweepOptionsFrom(argv: readonly string[]): SweepOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        ...RUN_ARGUMENTS,
        sweep: { type: 'string', multiple: true },
        'in-sample': { type: 'string' },
        workers: { type: 'string' },
        'rank-by': { type: 'string' },
      },
      strict: true,
    }));
  } catch (error) {
    throw new SweepUsageError(error instanceof Error ? error.message : String(error));
  }
  const { overrides: fixed, ...run } = runArgumentsFrom(values, (message) => new SweepUsageError(message));
  const axes = (values.sweep ?? []).map(parseSweepAxis);
  const number = (text: string | undefined, name: string, check: (n: number) => boolean): number | undefined => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (text.trim() === '' || !check(n)) throw new SweepUsageError(`${name} cannot be ${JSON.stringify(text)}`);
    return n;
  };
  const rankBy = values['rank-by'] ?? 'netPnl';
  if (!isSweepRankMetric(rankBy)) throw new SweepUsageError(`--rank-by must be one of ${SWEEP_METRIC_KEYS.join(', ')}`);
  return {
    ...run,
    axes,
    fixed,
    seed: number(values.seed, '--seed', Number.isSafeInteger),
    inSampleShare: number(values['in-sample'], '--in-sample', (n) => n > 0 && n < 1) ?? DEFAULT_IN_SAMPLE_SHARE,
    workers:
      number(values.workers, '--workers', (n) => Number.isInteger(n) && n >= 1 && n <= 256) ?? availableParallelism(),
    rankBy: rankBy as SweepRankMetric,
  };
}

/** Exit code 0 done, 2 bad arguments or settings (named), 1 a failure during the runs. */
export async function runSweepCli(argv: readonly string[]): Promise<number> {
  let options: SweepOptions;
  try {
    options = sweepOptionsFrom(argv);
  } catch (error) {
    process.stderr.write(`backtest: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  const combinations = options.axes.reduce((n, a) => n * a.values.length, 1);
  process.stderr.write(
    `sweep: ${combinations} combinations × (in-sample, out-of-sample) = ${combinations * 2} backtests on ${options.workers} worker(s)\n`,
  );
  const started = Date.now();
  try {
    const result = await runSweep({
      ...options,
      onJobDone: (done, total) => {
        const elapsed = (Date.now() - started) / 1000;
        const eta = (elapsed / done) * (total - done);
        process.stderr.write(
          `sweep ${done}/${total} backtests done, ${elapsed.toFixed(1)} s elapsed, ETA ${eta.toFixed(0)} s\n`,
        );
      },
    });
    process.stdout.write(
      `${result.table}\n\nranked by out-of-sample ${options.rankBy}; ${result.workers} worker(s), ${(result.wallMs / 1000).toFixed(2)} s\n` +
        `${result.files.json}\n${result.files.table}\n`,
    );
    return 0;
  } catch (error) {
    const bad = error instanceof DomainError && error.kind === 'INVALID';
    const kind = (error as { failure?: { kind?: string } }).failure?.kind;
    process.stderr.write(`backtest: ${error instanceof Error ? error.message : String(error)}\n`);
    return bad || kind === 'INVALID' ? 2 : 1;
  }
}
