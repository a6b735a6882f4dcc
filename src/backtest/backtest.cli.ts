import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { DomainError } from '../common/domain-error';
import { BacktestSettingsError } from './backtest-settings';
import { runBacktest, writeBacktestOutput, type BacktestProgress, type BacktestRunOptions } from './backtest-runner';
import { RUN_ARGUMENTS, runArgumentsFrom } from './run-arguments';
import { isSweepCommand, runSweepCli } from './sweep/sweep.cli';

/**
 * `npm run backtest -- --data <file|dir> --out <dir> [--symbols A,B] [--from T] [--to T] [--set KEY=VALUE ..]
 * [--seed N]`: replays the recording through the live strategy, risk and execution kernel (backtest-runner.ts) and
 * writes report.json + report.html into --out. Progress goes to stderr: a bar with messages/s and ETA on a
 * terminal, a plain line every 5 s otherwise. Exit code 2 for bad arguments (unknown file, bad --set key), 1 for a
 * failure during the run.
 */

const USAGE =
  'usage: npm run backtest -- --data <file|dir> --out <dir> [--symbols BTCUSDT,ETHUSDT] [--from ISO|ms] [--to ISO|ms] [--set KEY=VALUE ..] [--seed N]';

export class BacktestUsageError extends DomainError<'BAD_ARGUMENT'> {
  constructor(message: string) {
    super('BAD_ARGUMENT', 'INVALID', message);
  }
}

export interface BacktestCliOptions extends BacktestRunOptions {
  readonly outDir: string;
}

export function backtestOptionsFrom(argv: readonly string[]): BacktestCliOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: RUN_ARGUMENTS,
      strict: true,
    }));
  } catch (error) {
    throw new BacktestUsageError(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  }
  const common = runArgumentsFrom(values, (message) => new BacktestUsageError(`${message}\n${USAGE}`));
  let seed: number | undefined;
  if (values.seed !== undefined) {
    seed = Number(values.seed);
    if (!Number.isSafeInteger(seed)) throw new BacktestUsageError(`--seed must be an integer, got ${values.seed}`);
  }
  return { ...common, seed };
}

/** Progress on stderr: an in-place bar on a terminal, a plain line every `plainEveryMs` otherwise. */
export function progressPrinter(
  stream: NodeJS.WriteStream,
  plainEveryMs = 5000,
): { update(p: BacktestProgress): void; done(): void } {
  let lastPlain = 0;
  let drawn = false;
  return {
    update(p) {
      const share = p.bytesTotal > 0 ? Math.min(1, p.bytesDone / p.bytesTotal) : 0;
      const rate = `${Math.round(p.messagesPerSecond).toLocaleString('en')} msg/s`;
      const eta = p.etaSeconds === null ? 'ETA ?' : `ETA ${formatSeconds(p.etaSeconds)}`;
      const count = `${p.messagesDone.toLocaleString('en')} msgs`;
      if (stream.isTTY) {
        const width = 30;
        const full = Math.round(share * width);
        stream.write(
          `\r[${'#'.repeat(full)}${'-'.repeat(width - full)}] ${(share * 100).toFixed(1).padStart(5)}%  ${count}  ${rate}  ${eta}   `,
        );
        drawn = true;
      } else {
        const now = Date.now();
        if (now - lastPlain < plainEveryMs && share < 1) return;
        lastPlain = now;
        stream.write(`backtest ${(share * 100).toFixed(1)}% ${count} ${rate} ${eta}\n`);
      }
    },
    done() {
      if (drawn) stream.write('\n');
    },
  };
}

function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  const m = Math.floor(seconds / 60);
  return m < 60 ? `${m}m${String(Math.ceil(seconds % 60)).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${m % 60}m`;
}

export async function runBacktestCli(argv: readonly string[]): Promise<number> {
  if (isSweepCommand(argv)) return runSweepCli(argv); // --sweep: the parameter sweep (sweep/sweep.cli.ts)
  let options: BacktestCliOptions;
  try {
    options = backtestOptionsFrom(argv);
  } catch (error) {
    process.stderr.write(`backtest: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  const printer = progressPrinter(process.stderr);
  try {
    const result = await runBacktest({ ...options, onProgress: (p) => printer.update(p) });
    printer.done();
    await writeBacktestOutput(options.outDir, result);
    const m = result.report.metrics;
    process.stdout.write(
      `${JSON.stringify({
        out: options.outDir,
        fingerprint: result.fingerprint,
        messages: result.messages,
        seconds: Number((result.wallMs / 1000).toFixed(2)),
        messagesPerSecond: Math.round(result.messages / (result.wallMs / 1000)),
        trades: m.trades,
        netPnl: m.netPnl,
        winRate: m.winRate,
        maxDrawdown: m.maxDrawdown,
        fillRatio: m.fillRatio,
      })}\n`,
    );
    return 0;
  } catch (error) {
    printer.done();
    const bad = error instanceof BacktestSettingsError || (error instanceof DomainError && error.kind === 'INVALID');
    process.stderr.write(`backtest: ${error instanceof Error ? error.message : String(error)}\n`);
    return bad ? 2 : 1;
  }
}

if (require.main === module) {
  void runBacktestCli(process.argv.slice(2)).then((code) => process.exit(code));
}
