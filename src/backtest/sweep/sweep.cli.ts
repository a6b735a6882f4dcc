import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DomainError } from '../../common/domain-error';
import { recordingFilterFrom } from '../domain/recording';
import { isSweepRankMetric, parseSweepAxis, SWEEP_METRIC_KEYS, type SweepRankMetric } from '../domain/sweep';
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
        data: { type: 'string' },
        out: { type: 'string' },
        symbols: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        set: { type: 'string', multiple: true },
        seed: { type: 'string' },
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
  if (!values.data) throw new SweepUsageError('--data <file|dir> is required');
  if (!values.out) throw new SweepUsageError('--out <dir> is required');
  const fixed: Record<string, string> = {};
  for (const pair of values.set ?? []) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new SweepUsageError(`--set takes KEY=VALUE, got ${JSON.stringify(pair)}`);
    fixed[pair.slice(0, eq).trim()] = pair.slice(eq + 1);
  }
  const axes = (values.sweep ?? []).map(parseSweepAxis);
  const filter = recordingFilterFrom({ symbols: values.symbols, from: values.from, to: values.to });
  const number = (text: string | undefined, name: string, check: (n: number) => boolean): number | undefined => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (text.trim() === '' || !check(n)) throw new SweepUsageError(`${name} cannot be ${JSON.stringify(text)}`);
    return n;
  };
  const rankBy = values['rank-by'] ?? 'netPnl';
  if (!isSweepRankMetric(rankBy)) throw new SweepUsageError(`--rank-by must be one of ${SWEEP_METRIC_KEYS.join(', ')}`);
  return {
    dataPath: resolve(values.data),
    outDir: resolve(values.out),
    axes,
    fixed,
    symbols: filter.symbols ? [...filter.symbols] : undefined,
    fromMs: filter.fromMs,
    toMs: filter.toMs,
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
