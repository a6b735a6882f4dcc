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
  equity_usdt: string;
  wallet_balance_usdt: string;
  available_usdt: string;
  unrealised_pnl_usdt: string;
  as_of: string;
}

export interface Position {
  id: string;
  symbol: string;
  side: 'Buy' | 'Sell';
  status: string;
  quantity: string;
  entry_price: string | null;
  mark_price?: string | null;
  unrealised_pnl: string;
  realised_pnl: string;
  fees: string;
  take_profit: string | null;
  stop_loss: string | null;
  exit_reason: string | null;
  opened_at?: string | null;
}

export interface Breaker {
  group: string;
  state: 'CLOSED' | 'OPEN' | 'HALF_OPEN' | string;
  consecutiveFailures: number;
  failureThreshold: number;
  lastError: string | null;
}

export interface RiskStatus {
  limits: Record<string, number>;
  usage: {
    openPositions: number;
    maxOpenPositions: number;
    exposureUsdt: number;
    maxExposureUsdt: number;
    dailyRealisedPnlUsdt: number;
    maxDailyLossUsdt: number;
    availableBalanceUsdt: number | null;
    leverage: number;
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
  tick_size: string;
  qty_step: string;
}

export interface BookPush {
  symbol: string;
  bids: Array<[string, string]>;
  asks: Array<[string, string]>;
  u: number;
  exchange_ts: number;
  synced: boolean;
  crossed: boolean;
  stale: boolean;
}

export interface MetricsPush {
  symbol: string;
  mid: number | null;
  spread_abs: number | null;
  imbalance_5: number;
  imbalance_10: number;
  imbalance_total: number;
  support: number | null;
  resistance: number | null;
  stale: boolean;
}

export interface SignalPush {
  id: string;
  symbol: string;
  side: 'Buy' | 'Sell';
  strength: number;
  reason: string;
  price: string;
  at_ms: number;
}

export interface Candle {
  open_time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export interface OrderView {
  id: string;
  client_order_id: string;
  symbol: string;
  side: 'Buy' | 'Sell';
  order_type: string;
  status: string;
  quantity: string;
  price: string | null;
  filled_quantity: string;
  avg_fill_price: string | null;
  fee: string;
  reduce_only: boolean;
  position_id: string | null;
}

export interface OrderPush {
  event: string;
  actor: string;
  trace_id: string | null;
  at_ms: number;
  order: OrderView;
  reason?: string;
  from?: string;
  cause?: string;
  error?: string;
}

export interface PositionPush {
  event: 'opened' | 'updated' | 'closed';
  position: Position;
  at_ms: number;
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
  entity_type: string;
  entity_id: string | null;
  actor: string;
  old_value: unknown;
  new_value: unknown;
  reason: string | null;
  trace_id: string | null;
  success: boolean;
  error_message: string | null;
}

export interface AuditPage {
  items: AuditRow[];
  limit: number;
  offset: number;
  total: number;
}
