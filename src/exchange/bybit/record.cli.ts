import { join } from 'node:path';
import { loadAppConfig } from '../../infra/config/app-config';
import { bybitUrls } from './bybit.constants';
import { recordPublicStream } from './public-recorder';

/**
 * `npm run record -- [seconds] [file]`: records live Bybit public messages (orderbook.{ORDERBOOK_DEPTH} and
 * publicTrade for TRADING_PAIRS) into JSON lines for SIM_REPLAY_FILE. Uses mainnet market data unless
 * BYBIT_WS_PUBLIC_URL is set (e.g. to the simulator, or testnet). Needs internet access to Bybit.
 */
async function main(): Promise<void> {
  const config = loadAppConfig(process.env);
  const seconds = Number(process.argv[2] ?? 60);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error('usage: npm run record -- [seconds] [file]');
  const file =
    process.argv[3] ??
    join(config.app.dataDir, 'recordings', `bybit-public-${new Date().toISOString().replace(/[:.]/g, '-')}.jsonl`);
  const url = config.exchange.wsPublicUrl ?? bybitUrls('mainnet').wsPublic;
  const topics = config.trading.pairs.flatMap((s) => [
    `orderbook.${config.trading.orderbookDepth}.${s}`,
    `publicTrade.${s}`,
  ]);
  process.stdout.write(`recording ${topics.length} topics from ${url} for ${seconds} s into ${file}\n`);
  const summary = await recordPublicStream({ url, topics, file, durationMs: seconds * 1000 });
  process.stdout.write(`${JSON.stringify({ file, ...summary })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`record failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
