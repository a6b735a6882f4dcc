import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Client } from 'pg';
import { runBacktest } from '../../../src/backtest/backtest-runner';
import { startTestApp, type TestApp } from '../../support/app';
import { sharedPath } from '../../support/shared-data';

/**
 * Fidelity, measured (issue 14 item 9): the whole bot runs live against the simulator replaying the real BTCUSDT
 * recording (SIM_REPLAY_FILE, accelerated FIDELITY_SPEED times, default 3; the bot's wall-clock rules, signal
 * cooldown and max hold, are divided by the speed so both sides apply the same rule in recorded time), then the same
 * recording is backtested with the same settings and the live venue latency (measured: half the live signal → fill
 * p50 each way), and the two are compared fill by fill on the recording's clock: a live entry fill is reproduced
 * when the backtest has an unmatched entry fill on the same side within ±250 ms (recorded time: the signal's book
 * state `u`, read from its orderLinkId, plus the signal → fill latency) and within ±1 tick of its average price.
 * Also compared: the signal count (entries sent) and the net PnL difference as a share of the live gross PnL.
 * The figures are printed (and written to FIDELITY_OUT when set); the test fails below FIDELITY_MIN_MATCHED
 * (default 0.4: the goal is 0.9, see the README for what was measured and why they differ).
 */

const BTC = sharedPath('data/bybit/btcusdt-l2-trades-2024-08-08-binance-usdm.jsonl.gz');
const SPEED = Number(process.env.FIDELITY_SPEED ?? 3);
const TICK = 0.1;
const RECORDING_SECONDS = 345;

interface LiveEntry {
  readonly orderLinkId: string;
  readonly side: 'Buy' | 'Sell';
  readonly status: string;
  readonly avgFillPrice: number | null;
  readonly latencyMs: number | null;
  readonly realizedPnl: number | null;
  readonly grossPnl: number | null;
}

describe('backtest fidelity: live bot against the simulator replaying a recording vs the backtest of it', () => {
  let app: TestApp | undefined;
  let dir: string;
  let recording: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'backtest-fidelity-'));
    // The simulator's replay reads plain JSON lines: both sides get the same uncompressed copy.
    recording = join(dir, 'btcusdt.jsonl');
    writeFileSync(recording, gunzipSync(readFileSync(BTC)));
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'reproduces the live fills, PnL and signal count',
    async () => {
      const settings = { TRADING_PAIRS: 'BTCUSDT', ORDERBOOK_DEPTH: '500' };
      // The live bot's time rules run on the wall clock: at SPEED× they are scaled so both sides apply the same
      // rule in recorded time (cooldown 5 s, max hold 300 s of the recording).
      app = await startTestApp({
        ...settings,
        SIGNAL_COOLDOWN_MS: String(Math.round(5000 / SPEED)),
        MAX_HOLD_SECONDS: String(Math.max(1, Math.round(300 / SPEED))),
        SIM_REPLAY_FILE: recording,
        SIM_REPLAY_SPEED: String(SPEED),
        BOT_AUTOSTART: 'true',
      });
      // Let the replay run out, then give the last answers time to arrive.
      await new Promise((resolve) => setTimeout(resolve, (RECORDING_SECONDS / SPEED) * 1000 + 8000));
      const live = await liveEntries(app.database.url);
      await app.close();
      app = undefined;

      // The venue latency of the backtest is the live one, measured: half the live signal → fill p50 each way.
      const liveLatencies = live
        .map((e) => e.latencyMs)
        .filter((l): l is number => l !== null)
        .sort((a, b) => a - b);
      const liveP50 = liveLatencies.length > 0 ? liveLatencies[liveLatencies.length >> 1] * SPEED : 20;
      const oneWay = String(Math.max(0, liveP50 / 2));
      const result = await runBacktest({
        dataPath: recording,
        overrides: {
          ...settings,
          DATA_DIR: join(dir, 'data'),
          BACKTEST_LATENCY_TO_VENUE_MS: oneWay,
          BACKTEST_LATENCY_FROM_VENUE_MS: oneWay,
        },
        seed: 1,
      });
      // Recorded time of each book state (u), to put both sides' fills on the recording's clock.
      const tsOfU = new Map<number, number>();
      for (const line of readFileSync(recording, 'utf8').split('\n')) {
        if (!line.startsWith('{"topic":"orderbook')) continue;
        const m = JSON.parse(line) as { ts: number; data: { u: number } };
        tsOfU.set(m.data.u, m.ts);
      }
      const recordedFill = (orderLinkId: string, latencyMs: number | null): number | null => {
        const u = /-([0-9a-z]+)$/.exec(orderLinkId);
        const ts = u ? tsOfU.get(parseInt(u[1], 36)) : undefined;
        return ts === undefined || latencyMs === null ? null : ts + latencyMs;
      };
      const candidates = result.report.entries
        .filter((e) => e.avgFillPrice !== null)
        .map((e) => ({ entry: e, at: recordedFill(e.orderLinkId, e.fillLatencyMs), used: false }));
      const liveFilled = live.filter((e) => e.avgFillPrice !== null);
      const reasons: Record<string, number> = {};
      let matched = 0;
      let sameId = 0;
      const mismatches: string[] = [];
      for (const entry of liveFilled) {
        const at = recordedFill(entry.orderLinkId, entry.latencyMs === null ? null : entry.latencyMs * SPEED);
        let best: (typeof candidates)[number] | undefined;
        for (const c of candidates) {
          if (c.used || c.at === null || at === null || c.entry.side !== entry.side) continue;
          if (Math.abs(c.at - at) > 250) continue;
          if (!best || Math.abs(c.at - at) < Math.abs(best.at! - at)) best = c;
        }
        const why =
          at === null
            ? 'live fill time unknown'
            : best === undefined
              ? 'no backtest fill on that side within 250 ms'
              : Math.abs(Number(best.entry.avgFillPrice) - entry.avgFillPrice!) > TICK + 1e-9
                ? 'price beyond 1 tick'
                : null;
        if (best && why === null) {
          best.used = true;
          matched += 1;
          if (best.entry.orderLinkId === entry.orderLinkId) sameId += 1;
        } else {
          reasons[why ?? 'unknown'] = (reasons[why ?? 'unknown'] ?? 0) + 1;
          if (best) mismatches.push(`${entry.side} live ${entry.avgFillPrice} backtest ${best.entry.avgFillPrice}`);
        }
      }
      const liveGross = liveFilled.reduce((sum, e) => sum + Math.abs(e.grossPnl ?? 0), 0);
      const liveNet = liveFilled.reduce((sum, e) => sum + (e.realizedPnl ?? 0), 0);
      const backtestNet = Number(result.report.metrics.netPnl);
      const figures = {
        speed: SPEED,
        liveSignalToFillMsP50Recorded: liveP50,
        liveSignalsSent: live.length,
        backtestSignalsSent: result.report.entries.length,
        liveFills: liveFilled.length,
        matched,
        matchedSameSignalId: sameId,
        matchedShare: liveFilled.length > 0 ? matched / liveFilled.length : null,
        unmatchedWhy: reasons,
        priceMismatches: mismatches,
        liveNetPnl: liveNet,
        backtestNetPnl: backtestNet,
        pnlDifferenceShareOfGross: liveGross > 0 ? Math.abs(liveNet - backtestNet) / liveGross : null,
      };
      process.stdout.write(`fidelity ${JSON.stringify(figures)}\n`);
      if (process.env.FIDELITY_OUT) writeFileSync(process.env.FIDELITY_OUT, `${JSON.stringify(figures, null, 2)}\n`);
      expect(live.length).toBeGreaterThan(0);
      expect(figures.matchedShare).not.toBeNull();
      expect(figures.matchedShare!).toBeGreaterThanOrEqual(Number(process.env.FIDELITY_MIN_MATCHED ?? 0.4));
    },
    ((RECORDING_SECONDS / SPEED) * 1000 + 120_000) | 0,
  );
});

async function liveEntries(url: string): Promise<LiveEntry[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{
      client_order_id: string;
      side: 'Buy' | 'Sell';
      status: string;
      avg_fill_price: string | null;
      created_at: Date;
      first_fill: Date | null;
      realized_pnl: string | null;
      fees: string | null;
      position_status: string | null;
    }>(
      `SELECT o.client_order_id, o.side, o.status, o.avg_fill_price, o.created_at,
              (SELECT min(t.executed_at) FROM trades t WHERE t.order_id = o.id) AS first_fill,
              p.realized_pnl, p.fees, p.status AS position_status
         FROM orders o LEFT JOIN positions p ON p.id = o.position_id
        WHERE NOT o.reduce_only
        ORDER BY o.created_at`,
    );
    return rows.map((r) => ({
      orderLinkId: r.client_order_id,
      side: r.side,
      status: r.status,
      avgFillPrice: r.avg_fill_price === null ? null : Number(r.avg_fill_price),
      latencyMs: r.first_fill === null ? null : r.first_fill.getTime() - r.created_at.getTime(),
      realizedPnl: r.position_status === 'Closed' && r.realized_pnl !== null ? Number(r.realized_pnl) : null,
      grossPnl:
        r.position_status === 'Closed' && r.realized_pnl !== null ? Number(r.realized_pnl) + Number(r.fees ?? 0) : null,
    }));
  } finally {
    await client.end();
  }
}
