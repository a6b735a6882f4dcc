import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { RecordingSink } from '../src/backtest/domain/recording';
import { simRecordOptionsFrom, writeSimRecording } from '../src/backtest/sim-record.cli';
import { ensureCache, readRecording, replayCache, replayJson } from '../src/backtest/recording-reader';
import { OrderBook } from '../src/order-book/domain/order-book';
import { instrumentFor } from '../src/simulator/domain/instrument-universe';
import { sharedPath } from '../test/support/shared-data';
import { table } from './support';

/**
 * Backtest input throughput on the real recordings, three ways in one run: reading + JSON.parse alone, JSON → book
 * (RecordingDecoder + OrderBook.apply, the reference path) and binary cache → book. The 50-line XRPUSDT file is
 * replayed `BENCH_XRP_REPEAT` times (each pass a fresh book) so its timing is not noise. The cache build is timed
 * separately (a one-off per recording). Peak RSS shows the memory does not follow the file length.
 */

interface Row {
  readonly file: string;
  readonly path: string;
  readonly repeat: number;
}

const GRIDS: Record<string, { tickSize: string; qtyStep: string }> = {
  XRPUSDT: { tickSize: '0.0001', qtyStep: '1' },
  BTCUSDT: { tickSize: '0.10', qtyStep: '0.001' },
};
const gridOf = (symbol: string) => GRIDS[symbol] ?? instrumentFor(symbol);

function gridSink(): RecordingSink & { messages: number } {
  const books = new Map<string, OrderBook>();
  const sink = {
    messages: 0,
    book(delta: Parameters<RecordingSink['book']>[0]) {
      sink.messages++;
      let book = books.get(delta.symbol);
      if (!book) books.set(delta.symbol, (book = new OrderBook(delta.symbol, gridOf(delta.symbol))));
      book.apply(delta);
    },
    trades() {
      sink.messages++;
    },
  };
  return sink;
}

export async function backtestInputBench(): Promise<void> {
  const cacheDir = mkdtempSync(join(tmpdir(), 'bench-backtest-input-'));
  const rows: Row[] = [
    {
      file: 'xrpusdt ob500 (50 msgs)',
      path: sharedPath('data/bybit/xrpusdt-orderbook500-2024-12-01.jsonl'),
      repeat: Number(process.env.BENCH_XRP_REPEAT ?? 400),
    },
    {
      file: 'btcusdt L2+trades .gz (27,850 msgs)',
      path: sharedPath('data/bybit/btcusdt-l2-trades-2024-08-08-binance-usdm.jsonl.gz'),
      repeat: Number(process.env.BENCH_BTC_REPEAT ?? 3),
    },
  ];
  // orderbook.50-shaped data (the throughput target): the simulator's model, recorded on a virtual clock.
  const simMinutes = Number(process.env.BENCH_SIM_MINUTES ?? 10);
  const simPath = join(cacheDir, 'sim-ob50.jsonl.gz');
  const simLines = await writeSimRecording(
    simRecordOptionsFrom(['--record', simPath, '--minutes', String(simMinutes), '--seed', '1', '--depth', '50']),
  );
  rows.push({ file: `sim ob50 ${simMinutes} min (${simLines.toLocaleString('en')} msgs)`, path: simPath, repeat: 1 });
  const results: Array<Record<string, string | number>> = [];
  let peakRss = 0;
  const sampleRss = () => (peakRss = Math.max(peakRss, process.memoryUsage().rss));
  try {
    for (const row of rows) {
      // warm-up pass of each path (JIT), not timed
      await replayJson(row.path, gridSink());
      const cachePath0 = performance.now();
      const cachePath = await ensureCache(row.path, cacheDir);
      const cacheBuildMs = performance.now() - cachePath0;
      replayCache(cachePath, gridSink());

      /** Messages per second over `row.repeat` passes; each pass returns how many messages it handled. */
      const rate = async (pass: () => Promise<number> | number): Promise<number> => {
        let messages = 0;
        const t0 = performance.now();
        for (let r = 0; r < row.repeat; r++) {
          messages += await pass();
          sampleRss();
        }
        return messages / ((performance.now() - t0) / 1000);
      };
      const parseRate = await rate(async () => {
        let n = 0;
        for await (const line of readRecording(row.path)) if (line.ts > 0) n++;
        return n;
      });
      const jsonBookRate = await rate(async () => {
        const sink = gridSink();
        await replayJson(row.path, sink);
        return sink.messages;
      });
      const cacheBookRate = await rate(() => {
        const sink = gridSink();
        replayCache(cachePath, sink);
        return sink.messages;
      });

      results.push({
        file: row.file,
        passes: row.repeat,
        'JSON parse msg/s': Math.round(parseRate),
        'JSON→book msg/s': Math.round(jsonBookRate),
        'cache→book msg/s': Math.round(cacheBookRate),
        'cache÷JSON→book': Number((cacheBookRate / jsonBookRate).toFixed(1)),
        'cache÷parse': Number((cacheBookRate / parseRate).toFixed(1)),
        'cache build ms': Math.round(cacheBuildMs),
      });
    }
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
  table(results);
  console.log(`peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB (one core, messages = orderbook + publicTrade lines)`);
}
