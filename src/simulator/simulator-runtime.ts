import { readFileSync } from 'node:fs';
import { Prng } from './domain/prng';
import { ReplaySource } from './domain/replay-source';
import { parseReplayText } from './domain/replay-reader';
import { AccountStore } from './account-store';
import { instrumentsOfRecording, SimVenue } from './sim-venue';
import { FaultSettings, parseFaults } from './v5/fault-plan';
import { V5Server, V5TrafficObserver } from './v5/v5-server';

export interface SimulatorOptions {
  /** 0 = a free loopback port. */
  readonly port: number;
  readonly symbols: readonly string[];
  readonly seed: number;
  readonly apiKey: string;
  readonly apiSecret: string;
  readonly makerFeeRate?: string;
  readonly takerFeeRate?: string;
  readonly initialBalanceUsdt?: string;
  readonly leverage?: number;
  /** Where the account persists across restarts; in memory only when undefined. */
  readonly dataDir?: string;
  readonly reset?: boolean;
  readonly replayFile?: string;
  readonly replaySpeed?: number;
  /** SIM_FAULTS JSON. */
  readonly faults?: string;
  /** Market model step, ms (10 = the finest Bybit cadence, orderbook.1). */
  readonly stepMs?: number;
  /** The venue's clock runs this far ahead of the machine's (negative: behind), as a real exchange's may. */
  readonly clockSkewMs?: number;
  /** Per-UID requests per second by path, over Bybit's defaults (another account tier). */
  readonly endpointLimits?: Readonly<Record<string, number>>;
}

export interface SimulatorControl {
  setFaults(update: Partial<FaultSettings>): FaultSettings;
  faults(): FaultSettings;
  dropConnections(): number;
  forceGap(symbol: string, depth?: number): boolean;
  forceResetSnapshot(symbol?: string): void;
  /** Watches the HTTP and WebSocket traffic; returns the function that stops watching. */
  observe(observer: V5TrafficObserver): () => void;
}

export interface RunningSimulator {
  readonly port: number;
  readonly restUrl: string;
  readonly wsPublicUrl: string;
  readonly wsPrivateUrl: string;
  /** Public and private traffic on one path, for clients with a single WebSocket URL option. */
  readonly wsUrl: string;
  readonly control: SimulatorControl;
  readonly venue: SimVenue;
  stop(): Promise<void>;
}

// How often a changed account is written; the REST call that changed it has already answered by then.
const PERSIST_INTERVAL_MS = 100;

/**
 * Starts the Bybit V5 simulator on 127.0.0.1: the venue (market model or replay + matching engine), its V5 HTTP and
 * WebSocket server, the clock that drives it, and the account file. `npm run sim` and the bot (BYBIT_ENV=sim)
 * both start it through here.
 */
export async function startSimulator(options: SimulatorOptions): Promise<RunningSimulator> {
  const stepMs = options.stepMs ?? 10;
  const skewMs = options.clockSkewMs ?? 0;
  const now = skewMs === 0 ? Date.now : () => Date.now() + skewMs;
  const store = options.dataDir ? new AccountStore(options.dataDir) : undefined;
  if (options.reset) store?.reset();
  const startMs = now();
  const venue = new SimVenue({
    symbols: options.symbols,
    seed: options.seed,
    makerFeeRate: options.makerFeeRate ?? '0.0002',
    takerFeeRate: options.takerFeeRate ?? '0.00055',
    initialBalanceUsdt: options.initialBalanceUsdt ?? '10000',
    leverage: options.leverage ?? 10,
    stepMs,
    startMs,
    account: store?.load(),
    replay: options.replayFile ? loadReplay(options.replayFile, options.replaySpeed ?? 1, startMs) : undefined,
  });
  let dirty = false;
  venue.on({ publicMessage: () => undefined, privateUpdate: () => undefined, accountChanged: () => (dirty = true) });
  const random = Prng.from(options.seed, 'faults');
  const server = new V5Server({
    venue,
    credentials: { [options.apiKey]: options.apiSecret },
    faults: parseFaults(options.faults),
    random: () => random.next(),
    now,
    endpointLimits: options.endpointLimits,
  });
  const port = await server.listen(options.port);
  const clock = setInterval(() => venue.tick(now()), stepMs);
  const persist = () => {
    if (!dirty || !store) return;
    dirty = false;
    store.save(venue.snapshot());
  };
  const persister = setInterval(persist, PERSIST_INTERVAL_MS);
  let stopped = false;
  return {
    port,
    restUrl: `http://127.0.0.1:${port}`,
    wsPublicUrl: `ws://127.0.0.1:${port}/v5/public/linear`,
    wsPrivateUrl: `ws://127.0.0.1:${port}/v5/private`,
    wsUrl: `ws://127.0.0.1:${port}/v5/sim`,
    venue,
    control: {
      setFaults: (update) => server.setFaults(update),
      faults: () => server.currentFaults(),
      dropConnections: () => server.dropConnections(),
      forceGap: (symbol, depth = 50) => venue.forceGap(symbol, depth),
      forceResetSnapshot: (symbol) => venue.forceResetSnapshot(symbol),
      observe: (observer) => server.observe(observer),
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      clearInterval(clock);
      clearInterval(persister);
      await server.close();
      dirty = true;
      persist();
    },
  };
}

function loadReplay(
  file: string,
  speed: number,
  startMs: number,
): { source: ReplaySource; instruments: ReturnType<typeof instrumentsOfRecording> } {
  const records = [...parseReplayText(readFileSync(file, 'utf8'))];
  const instruments = instrumentsOfRecording(records);
  const source = new ReplaySource(records, {
    startMs,
    speed,
    instruments: Object.fromEntries(instruments.map((i) => [i.symbol, { tickSize: i.tickSize, qtyStep: i.qtyStep }])),
  });
  return { source, instruments };
}
