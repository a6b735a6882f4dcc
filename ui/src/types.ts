/** The API shapes the dashboard reads (see /docs for the full descriptions). */
export interface BotStatus {
  state: 'stopped' | 'starting' | 'running' | 'stopping';
  running: boolean;
  since: string;
  mode: string;
  symbols: string[];
  connections: Record<string, string>;
  counters: Record<string, number>;
  participants: Record<string, { state: string }>;
}

export interface Balance {
  equityUsdt: string;
  walletBalanceUsdt: string;
  availableUsdt: string;
  unrealizedPnlUsdt: string;
  asOf: string;
}

export interface Position {
  id: string;
  symbol: string;
  side: 'Buy' | 'Sell';
  status: string;
  quantity: string;
  entryPrice: string | null;
  markPrice?: string | null;
  unrealizedPnl: string;
  realizedPnl: string;
  fees: string;
  takeProfit: string | null;
  stopLoss: string | null;
  exitReason: string | null;
  openedAt?: string | null;
}

export interface Breaker {
  group: string;
  state: 'CLOSED' | 'OPEN' | 'HALF_OPEN' | string;
  consecutiveFailures: number;
  failureThreshold: number;
  lastError: string | null;
}

export interface RiskStatus {
  limits: Record<string, number | string>;
  /** Money is a decimal string, ratios are numbers (docs/api-conventions.md). */
  usage: {
    openPositions: number;
    maxOpenPositions: number;
    exposureUsdt: string;
    maxExposureUsdt: string;
    dailyRealizedPnlUsdt: string;
    maxDailyLossUsdt: string;
    availableBalanceUsdt: string | null;
    equityUsdt: string | null;
    leverage: number | null;
    effectiveLeverage: number | null;
  };
  killSwitch: {
    active: boolean;
    reason: string | null;
    since: string | null;
    changedBy: string | null;
    tradingDay: string;
  };
  circuitBreakers: Breaker[];
  books: Array<{ symbol: string; stale: boolean; condition: string }>;
  rejections: Record<string, number>;
  entriesAllowed: boolean;
}

export interface Pair {
  symbol: string;
  tickSize: string;
  qtyStep: string;
}

export interface BookPush {
  symbol: string;
  bids: Array<[string, string]>;
  asks: Array<[string, string]>;
  u: number;
  /** ISO-8601; null before the first update. */
  exchangeTime: string | null;
  synced: boolean;
  crossed: boolean;
  stale: boolean;
}

export interface MetricsPush {
  symbol: string;
  mid: string | null;
  spread: string | null;
  imbalance5: number;
  imbalance10: number;
  imbalanceTotal: number;
  support: string | null;
  resistance: string | null;
  stale: boolean;
}

export interface SignalPush {
  id: string;
  symbol: string;
  side: 'Buy' | 'Sell';
  strength: number;
  reason: string;
  price: string;
  /** ISO-8601. */
  at: string;
}

export interface Candle {
  /** ISO-8601 open time of the minute. */
  openTime: string;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
}

export interface OrderView {
  id: string;
  clientOrderId: string;
  symbol: string;
  side: 'Buy' | 'Sell';
  orderType: string;
  status: string;
  quantity: string;
  price: string | null;
  filledQuantity: string;
  avgFillPrice: string | null;
  fee: string;
  reduceOnly: boolean;
  positionId: string | null;
}

export interface OrderPush {
  event: string;
  actor: string;
  traceId: string | null;
  /** ISO-8601 time the server received the event. */
  at: string;
  order: OrderView;
  reason?: string;
  from?: string;
  cause?: string;
  error?: string;
}

export interface PositionPush {
  event: 'opened' | 'updated' | 'closed';
  position: Position;
  at: string;
}

/** One closed position as GET /trading/trades returns it: decimals are strings, nullable where the DTO says so. */
export interface Trade {
  positionId: string;
  symbol: string;
  side: 'Buy' | 'Sell';
  qty: string;
  entryPrice: string | null;
  exitPrice: string | null;
  openedAt: string | null;
  closedAt: string;
  holdingMs: number | null;
  exitReason: string | null;
  realizedPnl: string;
  fees: string;
  netPnl: string;
}

export interface TradesPage {
  items: Trade[];
  total: number;
  totals: { count: number; wins: number; losses: number; realizedPnl: string; fees: string; netPnl: string };
}

export interface AuditRow {
  id: string;
  timestamp: string;
  action: string;
  entityType: string;
  entityId: string | null;
  actor: string;
  oldValue: unknown;
  newValue: unknown;
  reason: string | null;
  traceId: string | null;
  success: boolean;
  errorMessage: string | null;
}

export interface AuditPage {
  items: AuditRow[];
  limit: number;
  offset: number;
  total: number;
}

export interface BacktestProgress {
  messagesDone: number;
  bytesDone: number;
  bytesTotal: number;
  messagesPerSecond: number;
  etaSeconds: number | null;
}

export interface BacktestSummary {
  trades: number;
  winRate: number | null;
  netPnl: string;
  profitFactor: number | null;
  sharpe: number | null;
  maxDrawdown: number;
  totalReturn: number | null;
  fees: string;
}

export interface BacktestRun {
  id: string;
  status: 'running' | 'succeeded' | 'failed' | 'cancelled';
  dataFile: string;
  symbols: string[] | null;
  from: string | null;
  to: string | null;
  seed: number | null;
  settings: Record<string, string>;
  createdAt: string;
  finishedAt: string | null;
  fingerprint: string | null;
  messages: number | null;
  wallMs: number | null;
  progress: BacktestProgress | null;
  summary: BacktestSummary | null;
  error: string | null;
}

export interface BacktestPage {
  items: BacktestRun[];
  limit: number;
  offset: number;
  total: number;
}

export interface BacktestPush {
  event: 'started' | 'progress' | 'finished';
  run: BacktestRun;
}

export interface DataFiles {
  directory: string;
  items: Array<{ path: string; bytes: number; modifiedAt: string }>;
}

export interface BacktestSettings {
  items: Array<{ name: string; value: string | null }>;
}
