import 'reflect-metadata';
import { auditChainBench } from './audit-chain.bench';
import { authVerifyBench } from './auth-verify.bench';
import { backtestInputBench } from './backtest-input.bench';
import { backtestBench } from './backtest.bench';
import { dashboardBench } from './dashboard.bench';
import { executionBench } from './execution.bench';
import { featuresBench } from './features.bench';
import { indicatorsBench } from './indicators.bench';
import { feedBench } from './feed.bench';
import { orderBookBench } from './order-book.bench';
import { orderLatencyBench } from './order-latency.bench';
import { simulatorBench } from './simulator.bench';
import { sweepBench } from './sweep.bench';

/** `npm run bench [name]`: every benchmark, or the one named. Ratios are measured within one run. */
const BENCHES: Record<string, () => Promise<unknown>> = {
  'auth-verify': () => authVerifyBench(Number(process.env.BENCH_SECONDS ?? 5)),
  simulator: () => simulatorBench(Number(process.env.BENCH_SECONDS ?? 15)),
  'order-latency': () => orderLatencyBench(Number(process.env.BENCH_ORDERS ?? 120)),
  'order-book': () => Promise.resolve(orderBookBench()),
  features: () => Promise.resolve(featuresBench()),
  indicators: () => Promise.resolve(indicatorsBench()),
  feed: () => feedBench(Number(process.env.BENCH_SECONDS ?? 15)),
  execution: () => executionBench(Number(process.env.BENCH_SIGNALS ?? 200)),
  'audit-chain': () => auditChainBench(Number(process.env.BENCH_AUDIT_INSERTS ?? 1000)),
  dashboard: () => dashboardBench(Number(process.env.BENCH_SECONDS ?? 30)),
  'backtest-input': () => backtestInputBench(),
  backtest: () => backtestBench(),
  sweep: () =>
    sweepBench(
      Number(process.env.BENCH_SWEEP_MINUTES ?? 240),
      Number(process.env.BENCH_SWEEP_ROUNDS ?? 3),
      Number(process.env.BENCH_SWEEP_GRID ?? 4),
    ),
};

async function main(only?: string): Promise<void> {
  const names = only ? [only] : Object.keys(BENCHES);
  for (const name of names) {
    const bench = BENCHES[name];
    if (!bench) throw new Error(`unknown benchmark ${name}; known: ${Object.keys(BENCHES).join(', ')}`);
    console.log(`\n=== ${name} ===`);
    await bench();
  }
}

main(process.argv[2])
  .then(() => process.exit(0))
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
