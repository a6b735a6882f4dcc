import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RestClientV5 } from 'bybit-api';
import { WebSocket } from 'ws';
import { recordPublicStream } from '../../../src/exchange/bybit/public-recorder';
import { RunningSimulator, startSimulator } from '../../../src/simulator/simulator-runtime';

const XRP_RECORDING = join(__dirname, '../../fixtures/bybit/xrpusdt-orderbook500-2024-12-01.jsonl');
const credentials = { apiKey: 'replay-key', apiSecret: 'replay-secret' };

/** Collects the data messages of `topics` from a simulator's public stream until `count` arrived or time ran out. */
async function collect(
  url: string,
  topics: string[],
  count: number,
  timeoutMs: number,
): Promise<Array<{ topic: string; type: string; data: { u: number } }>> {
  const socket = new WebSocket(url);
  const received: Array<{ topic: string; type: string; data: { u: number } }> = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, timeoutMs);
    socket.on('open', () => socket.send(JSON.stringify({ op: 'subscribe', req_id: 'r', args: topics })));
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { topic?: string; type: string; data: { u: number } };
      if (!message.topic) return;
      received.push(message as { topic: string; type: string; data: { u: number } });
      if (received.length >= count) {
        clearTimeout(timer);
        resolve();
      }
    });
    socket.on('error', reject);
  });
  socket.close();
  return received;
}

describe('record and replay', () => {
  let dir: string;
  let sim: RunningSimulator | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'record-replay-'));
  });
  afterEach(async () => {
    await sim?.stop();
    sim = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('should replay the real XRPUSDT recording unchanged: a snapshot then contiguous deltas', async () => {
    sim = await startSimulator({
      port: 0,
      symbols: [],
      seed: 1,
      ...credentials,
      replayFile: XRP_RECORDING,
      replaySpeed: 1,
    });
    const received = await collect(sim.wsPublicUrl, ['orderbook.500.XRPUSDT'], 20, 8000);
    expect(received.length).toBeGreaterThanOrEqual(10);
    expect(received[0].type).toBe('snapshot');
    const us = received.map((m) => m.data.u);
    for (let i = 1; i < us.length; i++) expect(us[i]).toBe(us[i - 1] + 1);
    const recordedUs = readFileSync(XRP_RECORDING, 'utf8')
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { data: { u: number } }).data.u);
    expect(recordedUs).toEqual(expect.arrayContaining(us));
  });

  it('should match orders against the replayed book', async () => {
    sim = await startSimulator({
      port: 0,
      symbols: [],
      seed: 1,
      ...credentials,
      replayFile: XRP_RECORDING,
      replaySpeed: 1,
    });
    await collect(sim.wsPublicUrl, ['orderbook.500.XRPUSDT'], 2, 3000);
    const rest = new RestClientV5({ key: credentials.apiKey, secret: credentials.apiSecret, baseUrl: sim.restUrl });
    const book = await rest.getOrderbook({ category: 'linear', symbol: 'XRPUSDT', limit: 1 });
    const bestAsk = Number(book.result.a[0][0]);
    const order = await rest.submitOrder({
      category: 'linear',
      symbol: 'XRPUSDT',
      side: 'Buy',
      orderType: 'Market',
      qty: '10',
    });
    expect(order.retCode).toBe(0);
    const executions = await rest.getExecutionList({ category: 'linear', symbol: 'XRPUSDT' });
    expect(executions.result.list.length).toBeGreaterThan(0);
    expect(Number(executions.result.list[0].execPrice)).toBeGreaterThanOrEqual(bestAsk);
  });

  it('should record a public stream into JSON lines that the simulator replays', async () => {
    const live = await startSimulator({ port: 0, symbols: ['BTCUSDT'], seed: 7, ...credentials });
    const file = join(dir, 'recording.jsonl');
    const summary = await recordPublicStream({
      url: live.wsPublicUrl,
      topics: ['orderbook.50.BTCUSDT', 'publicTrade.BTCUSDT'],
      file,
      durationMs: 1500,
    });
    await live.stop();
    expect(summary.byTopic['orderbook.50.BTCUSDT']).toBeGreaterThan(20);
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { topic: string; type: string; data: { u: number } });
    expect(lines.every((l) => typeof l.topic === 'string')).toBe(true);
    const book = lines.filter((l) => l.topic === 'orderbook.50.BTCUSDT');
    expect(book[0].type).toBe('snapshot');

    sim = await startSimulator({ port: 0, symbols: [], seed: 1, ...credentials, replayFile: file, replaySpeed: 4 });
    const replayed = await collect(sim.wsPublicUrl, ['orderbook.50.BTCUSDT'], 15, 5000);
    expect(replayed[0].type).toBe('snapshot');
    const recordedUs = new Set(book.map((m) => m.data.u));
    expect(replayed.every((m) => recordedUs.has(m.data.u))).toBe(true);
  });
});
