import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { AuditHashChain1764000000700 } from '../migrations/1764000000700-audit-hash-chain';
import { dataSourceOptions } from '../src/infra/database/data-source';
import { scratchDatabase } from './execution.bench';

/*
 * Audit write throughput without and with the hash chain (migration 1764000000700), on one scratch database: the
 * chain's migration is reverted for "without" and applied again for "with", alternately, so both see the same
 * server, disk and table size class. Each insert is its own autocommit statement, as AuditRepository.append does,
 * with a JSONB context of the size a position close records.
 */
const CONTEXT = {
  signal: { id: 'sig-7f3a', type: 'imbalance', strength: 0.82, reason: 'bid imbalance 3.4x' },
  market: { bestBid: '64250.4', bestAsk: '64250.5', spread: '0.1', midPrice: '64250.45' },
  indicators: { imbalance: 3.4, rsi14: 41.2, vwapDeviation: -0.0004, atr14: 35.1, ema20: 64211.3 },
};

async function insertLoad(pool: Pool, inserts: number, concurrency: number): Promise<Record<string, number>> {
  const latencies: number[] = [];
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < inserts) {
        const i = next++;
        const t0 = process.hrtime.bigint();
        await pool.query(
          `INSERT INTO audit_logs (action, entity_type, entity_id, actor, new_value, context, trace_id)
           VALUES ('POSITION_CLOSE', 'position', $1, 'bot', $2, $3, $4)`,
          [`p-${i}`, { status: 'Closed', realisedPnl: '1.2345' }, CONTEXT, `trace-${i}`],
        );
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return {
    rowsPerSecond: Math.round(inserts / seconds),
    p50Ms: Number(at(0.5).toFixed(2)),
    p99Ms: Number(at(0.99).toFixed(2)),
  };
}

export async function auditChainBench(inserts = 1000, rounds = 2): Promise<Array<Record<string, string | number>>> {
  const scratch = await scratchDatabase('audit');
  const source = await new DataSource(dataSourceOptions(scratch.url, 1)).initialize();
  const pool = new Pool({ connectionString: scratch.url, max: 16 });
  const chain = new AuditHashChain1764000000700();
  const results: Array<Record<string, string | number>> = [];
  try {
    for (let round = 1; round <= rounds; round += 1) {
      for (const variant of ['without chain', 'with chain'] as const) {
        const runner = source.createQueryRunner();
        await (variant === 'with chain' ? chain.up(runner) : chain.down(runner));
        await runner.release();
        for (const concurrency of [1, 8]) {
          const result = { round, variant, concurrency, inserts, ...(await insertLoad(pool, inserts, concurrency)) };
          console.log(JSON.stringify(result));
          results.push(result);
        }
      }
    }
    console.table(results);
    return results;
  } finally {
    await pool.end();
    await source.destroy();
    await scratch.drop();
  }
}
