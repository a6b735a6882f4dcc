import { fromUnits } from '../../src/common/ticks';
import { InstrumentsService } from '../../src/exchange/instruments.service';
import { ExecutionService } from '../../src/execution/execution.service';
import { OrderBookService } from '../../src/order-book/order-book.service';
import { StrategyService } from '../../src/strategy/strategy.service';
import { aSignal, SIGNAL_METRICS } from '../factories/signal.factory';
import { loginToken, startTestApp, TestApp } from '../support/app';
import { waitFor } from '../support/wait-for';

/**
 * The API's naming and number conventions (docs/api-conventions.md), over the OpenAPI document and over real
 * answers after a trade against the built-in simulator:
 * - every field and parameter name is camelCase;
 * - prices, quantities and money (anything named price/qty/quantity/size/pnl/fee/balance/notional/exposure/equity/
 *   usdt/margin/...) are decimal strings, never floats;
 * - times are ISO-8601 strings.
 */

const CAMEL_CASE = /^[a-z][a-zA-Z0-9]*$/;

/** A name made of any of these words is a price, a quantity or an amount of money: a decimal string. */
const DECIMAL_WORDS = new Set([
  'price',
  'qty',
  'quantity',
  'size',
  'pnl',
  'fee',
  'fees',
  'balance',
  'notional',
  'exposure',
  'equity',
  'usdt',
  'margin',
  'volume',
  'turnover',
  'mid',
  'spread',
  'support',
  'resistance',
]);

/**
 * Exceptions by the name's last word: a ratio, a percentage, a duration or a count stays a number even when the
 * name also says what it is a ratio of (spreadRel = spread / mid, spreadTicks, takeProfitPct, marginCheckLeverage).
 */
const NUMBER_UNITS = new Set(['rel', 'pct', 'bps', 'ratio', 'ms', 'seconds', 'ticks', 'count', 'leverage']);

/** Fields whose name alone does not say "price": a candle's OHLC. */
const DECIMAL_FIELDS_BY_SCHEMA: Record<string, readonly string[]> = {
  CandleDto: ['open', 'high', 'low', 'close'],
};

/** Object-valued fields whose keys are data (symbols, status names, counter and variable names), not field names. */
const MAP_FIELDS = new Set([
  'connections',
  'counters',
  'details',
  'participants',
  'rejections',
  'ordersByStatus',
  'signalOutcomes',
  'leverageBySymbol',
  'features',
  'config',
  // Audit rows carry the JSON an operation recorded (entity state, signal context) as it was stored.
  'oldValue',
  'newValue',
  'context',
  // A backtest's setting overrides (variable names) and its report.json as the engine wrote it.
  'settings',
  'report',
]);

function wordsOf(name: string): string[] {
  return name
    .replace(/([A-Z])/g, ' $1')
    .toLowerCase()
    .split(/[\s\d]+/)
    .filter(Boolean);
}

function mustBeDecimal(schemaName: string, property: string): boolean {
  if (DECIMAL_FIELDS_BY_SCHEMA[schemaName]?.includes(property)) return true;
  const words = wordsOf(property);
  if (NUMBER_UNITS.has(words[words.length - 1])) return false;
  return words.some((word) => DECIMAL_WORDS.has(word));
}

interface SchemaObject {
  type?: string;
  $ref?: string;
  format?: string;
  properties?: Record<string, SchemaObject>;
  items?: SchemaObject;
  allOf?: SchemaObject[];
  oneOf?: SchemaObject[];
  additionalProperties?: boolean | SchemaObject;
}

interface OpenApiDocument {
  paths: Record<
    string,
    Record<string, { parameters?: Array<{ name: string; in: string }>; responses: Record<string, unknown> }>
  >;
  components: { schemas: Record<string, SchemaObject> };
}

/** Every (schema, property, definition) of the document's component schemas, nested inline objects included. */
function propertiesOf(document: OpenApiDocument): Array<{ schema: string; name: string; definition: SchemaObject }> {
  const found: Array<{ schema: string; name: string; definition: SchemaObject }> = [];
  const visit = (schema: string, object: SchemaObject) => {
    for (const [name, definition] of Object.entries(object.properties ?? {})) {
      found.push({ schema, name, definition });
      if (definition.properties && !MAP_FIELDS.has(name)) visit(`${schema}.${name}`, definition);
    }
  };
  for (const [name, schema] of Object.entries(document.components.schemas)) visit(name, schema);
  return found;
}

/** The type a property's values have: through arrays to their items; undefined for references and compositions. */
function valueType(definition: SchemaObject): string | undefined {
  if (definition.$ref || definition.allOf || definition.oneOf) return undefined;
  if (definition.type === 'array' && definition.items) return valueType(definition.items);
  return definition.type;
}

/** Checks a real answer against the same rules; returns the violations as `path: what` lines. */
function violationsIn(value: unknown, path = '$', schemaHint = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => violationsIn(item, `${path}[${i}]`, schemaHint));
  if (value === null || typeof value !== 'object') return [];
  const problems: string[] = [];
  for (const [key, field] of Object.entries(value as Record<string, unknown>)) {
    const at = `${path}.${key}`;
    if (!CAMEL_CASE.test(key)) problems.push(`${at}: not camelCase`);
    if (MAP_FIELDS.has(key)) continue;
    const decimal = mustBeDecimal(schemaHint, key);
    const scalars = Array.isArray(field) ? field.flat(2) : [field];
    for (const scalar of scalars) {
      if (decimal && scalar !== null && typeof scalar !== 'object' && typeof scalar !== 'string')
        problems.push(`${at}: ${JSON.stringify(scalar)} is not a decimal string`);
      if (decimal && typeof scalar === 'string' && scalar !== '' && !/^-?\d+(\.\d+)?$/.test(scalar))
        problems.push(`${at}: ${JSON.stringify(scalar)} is not a plain decimal`);
    }
    if (/(^at|At|Time|^since|^asOf|^timestamp)$/.test(key) && field !== null && typeof field !== 'string')
      problems.push(`${at}: a time must be an ISO-8601 string, got ${JSON.stringify(field)}`);
    if (typeof field === 'object') problems.push(...violationsIn(field, at));
  }
  return problems;
}

describe('API conventions: camelCase names, decimal strings for prices and money (e2e)', () => {
  let ctx: TestApp;
  let token: string;
  let document: OpenApiDocument;

  const get = async (path: string) => {
    const response = await fetch(`${ctx.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
    expect({ path, status: response.status }).toEqual({ path, status: 200 });
    return (await response.json()) as Record<string, unknown>;
  };

  beforeAll(async () => {
    ctx = await startTestApp({
      // No strategy signals: the one trade is the signal this file delivers.
      IMBALANCE_BUY_THRESHOLD: '1',
      IMBALANCE_SELL_THRESHOLD: '0',
      MIN_CLUSTER_VOLUME: '1000000000000',
      TRADING_PAIRS: 'BTCUSDT,ETHUSDT',
    });
    token = await loginToken(ctx.baseUrl);
    document = (await (await fetch(`${ctx.baseUrl}/docs-json`)).json()) as OpenApiDocument;
  }, 60_000);
  afterAll(() => ctx.close());

  describe('the OpenAPI document', () => {
    it('should name every schema property in camelCase', () => {
      const properties = propertiesOf(document);
      expect(properties.length).toBeGreaterThan(150);
      const offending = properties.filter((p) => !CAMEL_CASE.test(p.name)).map((p) => `${p.schema}.${p.name}`);
      expect(offending).toEqual([]);
    });

    it('should name every query and path parameter in camelCase', () => {
      const parameters = Object.entries(document.paths).flatMap(([path, operations]) =>
        Object.values(operations).flatMap((operation) =>
          (operation.parameters ?? []).map((p) => ({ where: `${path} ${p.in} ${p.name}`, name: p.name })),
        ),
      );
      expect(parameters.map((p) => p.name)).toEqual(expect.arrayContaining(['entityType', 'traceId', 'exitReason']));
      expect(parameters.filter((p) => !CAMEL_CASE.test(p.name)).map((p) => p.where)).toEqual([]);
    });

    it('should type every price, quantity and money property as a string', () => {
      const decimals = propertiesOf(document).filter((p) => mustBeDecimal(p.schema, p.name));
      // The rule must actually bite: prices, sizes, PnL, fees, balances and exposures across the API.
      expect(decimals.length).toBeGreaterThan(60);
      const offending = decimals
        .filter((p) => valueType(p.definition) !== undefined && valueType(p.definition) !== 'string')
        .map((p) => `${p.schema}.${p.name}: ${valueType(p.definition)}`);
      expect(offending).toEqual([]);
    });

    it('should classify names as the convention says', () => {
      expect(mustBeDecimal('PositionDto', 'unrealizedPnl')).toBe(true);
      expect(mustBeDecimal('RiskUsageDto', 'availableBalanceUsdt')).toBe(true);
      expect(mustBeDecimal('PairDto', 'tickSize')).toBe(true);
      expect(mustBeDecimal('MetricsResponseDto', 'imbalance5')).toBe(false);
      expect(mustBeDecimal('MetricsResponseDto', 'spreadRel')).toBe(false);
      expect(mustBeDecimal('RiskUsageDto', 'marginCheckLeverage')).toBe(false);
      expect(mustBeDecimal('CandleDto', 'open')).toBe(true);
      expect(violationsIn({ entry_price: '1' })).toEqual(['$.entry_price: not camelCase']);
      expect(violationsIn({ entryPrice: 96000.10000000001 })).toHaveLength(1);
      expect(violationsIn({ openedAt: 1_700_000_000_000 })).toHaveLength(1);
    });
  });

  describe('real answers after a trade against the simulator', () => {
    let positionId: string;
    let tickSize: string;

    beforeAll(async () => {
      const symbol = 'BTCUSDT';
      tickSize = ctx.app.get(InstrumentsService).require(symbol).tickSize;
      const started = await fetch(`${ctx.baseUrl}/bot/start`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(started.status).toBe(200);
      const books = ctx.app.get(OrderBookService);
      const book = await waitFor(() => books.book(symbol), {
        until: (b) => b !== undefined && Number.isFinite(b.bestAsk) && Number.isFinite(b.bestBid),
        timeoutMs: 20_000,
        what: `${symbol} book`,
      });
      const ask = Number(fromUnits(book!.bestAsk, tickSize));
      // Float metrics as the strategy computes them: the API must not echo their binary expansions.
      const signal = aSignal({
        symbol,
        side: 'Buy',
        price: fromUnits(book!.bestAsk, tickSize),
        context: {
          metrics: {
            ...SIGNAL_METRICS,
            bestAsk: ask + 1e-11,
            mid: ask - 0.05 + 1e-11,
            microPrice: ask - 0.0333333333333,
            clusterNotional: 12_345.678901234567,
          },
          bookU: book!.u,
          bookSeq: 1,
        },
      });
      ctx.app.get(StrategyService).record(signal);
      const work: Array<Promise<void>> = [];
      expect(ctx.app.get(ExecutionService).onSignal(signal, (w) => work.push(w))).toBe('sent');
      await Promise.all(work);
      const open = await waitFor(() => get('/trading/positions'), {
        until: (body) => (body.positions as Array<{ status: string }>).some((p) => p.status === 'Open'),
        timeoutMs: 20_000,
        what: 'the position to open',
      });
      positionId = (open.positions as Array<{ id: string }>)[0].id;
    }, 60_000);

    it('should answer GET /trading/positions with camelCase names and decimal strings', async () => {
      const body = await get('/trading/positions');
      expect(violationsIn(body, '$', 'PositionsResponseDto')).toEqual([]);
      const [position] = body.positions as Array<Record<string, unknown>>;
      expect(position).toMatchObject({
        id: positionId,
        status: 'Open',
        quantity: expect.stringMatching(/^\d+(\.\d+)?$/),
        entryPrice: expect.stringMatching(/^\d+(\.\d+)?$/),
        markPrice: expect.stringMatching(/^\d+(\.\d+)?$/),
        unrealizedPnl: expect.any(String),
        openedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      });
      expect(typeof body.totalUnrealizedPnl).toBe('string');
    });

    it('should show the leverage the simulator trades at (10×) and the exposure as money', async () => {
      const body = await get('/trading/risk-status');
      expect(violationsIn(body)).toEqual([]);
      const usage = body.usage as Record<string, unknown>;
      expect(usage.leverage).toBe(10);
      expect(usage.leverageBySymbol).toEqual({ BTCUSDT: 10, ETHUSDT: 10 });
      expect(Number(usage.openExposureUsdt)).toBeGreaterThan(0);
      expect(typeof usage.equityUsdt).toBe('string');
      // exposure / equity, the leverage the open position amounts to.
      expect(usage.effectiveLeverage).toBeCloseTo(Number(usage.exposureUsdt) / Number(usage.equityUsdt), 3);
      expect((body.limits as Record<string, unknown>).maxExposureUsdt).toEqual(expect.any(String));
      expect((body.killSwitch as Record<string, unknown>).dailyRealizedPnlUsdt).toEqual(expect.any(String));
    });

    it('should write the signal metrics on the tick grid in GET /trading/signals', async () => {
      const body = await get('/trading/signals');
      expect(violationsIn(body)).toEqual([]);
      const [signal] = body.signals as Array<{ context: { metrics: Record<string, unknown> }; at: string }>;
      const decimals = tickSize.includes('.') ? tickSize.split('.')[1].length : 0;
      const places = (text: unknown) => (String(text).split('.')[1] ?? '').length;
      expect(places(signal.context.metrics.bestAsk)).toBeLessThanOrEqual(decimals);
      expect(places(signal.context.metrics.mid)).toBeLessThanOrEqual(decimals + 1);
      expect(places(signal.context.metrics.microPrice)).toBeLessThanOrEqual(decimals + 2);
      expect(signal.context.metrics.clusterNotional).toBe('12345.67890123');
      expect(signal.context.metrics.imbalance).toBe(0.8);
      expect(Number.isNaN(Date.parse(signal.at))).toBe(false);
    });

    it('should answer the market-data and account endpoints by the same rules', async () => {
      for (const path of [
        '/',
        '/trading/balance',
        '/trading/execution-stats',
        '/data/pairs',
        '/data/orderbook/BTCUSDT?depth=5',
        '/data/metrics/BTCUSDT',
        '/data/metrics',
        '/data/candles/BTCUSDT?limit=5',
        '/exchange/status',
        '/bot/status',
        '/auth/verify',
        '/audit?limit=20',
        '/backtests',
        '/backtests/data-files',
        '/backtests/settings',
      ]) {
        const hint = path.startsWith('/data/candles') ? 'CandleDto' : '';
        const body = await get(path);
        const problems = path.startsWith('/data/candles')
          ? [
              ...violationsIn({ ...body, candles: [], current: null }),
              ...violationsIn(body.candles, '$.candles', hint),
              ...violationsIn(body.current, '$.current', hint),
            ]
          : violationsIn(body);
        expect({ path, problems }).toEqual({ path, problems: [] });
      }
      const metrics = await get('/data/metrics/BTCUSDT');
      expect(metrics).toMatchObject({ mid: expect.any(String), spread: expect.any(String) });
      expect(typeof metrics.imbalance5).toBe('number');
      const book = await get('/data/orderbook/BTCUSDT?depth=5');
      expect(Date.parse(book.exchangeTime as string)).toBeGreaterThan(0);
    });

    it('should answer the trade history of the closed position by the same rules', async () => {
      const close = await fetch(`${ctx.baseUrl}/trading/positions/${positionId}/close`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(close.status).toBe(202);
      expect(await close.json()).toMatchObject({ id: positionId, status: 'Closing', exitReason: 'MANUAL' });
      const trades = await waitFor(() => get('/trading/trades'), {
        until: (body) => (body.items as unknown[]).length === 1,
        timeoutMs: 20_000,
        what: 'the trade to close',
      });
      expect(violationsIn(trades)).toEqual([]);
      const fills = await get(`/trading/positions/${positionId}/fills`);
      expect(violationsIn(fills)).toEqual([]);
      expect((fills.items as unknown[]).length).toBe(2);
      const closed = await get('/trading/positions?status=Closed');
      expect(violationsIn(closed)).toEqual([]);
      expect((closed.positions as Array<Record<string, unknown>>)[0]).toMatchObject({
        id: positionId,
        exitReason: 'MANUAL',
        closedAt: expect.any(String),
      });
    });

    it('should answer errors with traceId', async () => {
      const response = await fetch(`${ctx.baseUrl}/trading/positions?status=Nope`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status).toBe(400);
      const body = (await response.json()) as Record<string, unknown>;
      expect(violationsIn(body)).toEqual([]);
      expect(body.traceId).toEqual(expect.any(String));
    });
  });
});
