import 'reflect-metadata';
import { runSweep, type SweepOptions } from '../src/backtest/sweep/sweep-runner';

/**
 * One sweep of the sweep bench, in its own process (started with the backtest CLI's V8 flags): the options as JSON
 * in argv[2]; prints `{ wallMs, cpuSeconds, backtests }` as the last line.
 */
async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2]) as SweepOptions;
  const cpu = process.cpuUsage();
  const result = await runSweep(options);
  const used = process.cpuUsage(cpu);
  console.log(
    JSON.stringify({
      wallMs: result.wallMs,
      cpuSeconds: (used.user + used.system) / 1e6,
      backtests: result.ranked.length * 2,
    }),
  );
}

main()
  .then(() => process.exit(0))
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
