import { useEffect, useMemo, useRef } from 'preact/hooks';
import {
  CandlestickSeries,
  COLORS,
  createSeriesMarkers,
  drawDepth,
  drawHeatmap,
  LineSeries,
  sec,
  themedChart,
  type IChartApi,
  type ISeriesApi,
  type HeatColumn,
  type ISeriesMarkersPluginApi,
  type SeriesMarker,
  type Time,
} from '../charts';
import { decimalsOf, exact, fixed, pct } from '../format';
import { recordPaint } from '../latency';
import { isStale, useChannel, useEvents, useTicker } from '../live';
import type { BookPush, Candle, MetricsPush, Pair, Position, SignalPush, TradesPage } from '../types';
import { Badge, Card, usePoll, TableHead } from '../ui';

const LADDER_LEVELS = 10;

function Ladder(props: { book: BookPush | undefined; digits: number; stale: boolean }) {
  const { book, digits } = props;
  const asks = (book?.asks ?? []).slice(0, LADDER_LEVELS);
  const bids = (book?.bids ?? []).slice(0, LADDER_LEVELS);
  const maxSize = Math.max(1e-12, ...asks.map((l) => Number(l[1])), ...bids.map((l) => Number(l[1])));
  const spread = asks[0] && bids[0] ? Number(asks[0][0]) - Number(bids[0][0]) : NaN;
  const row = (level: [string, string], kind: 'ask' | 'bid') => (
    <tr key={`${kind}${level[0]}`} class={kind}>
      <td class="num mono price">{fixed(level[0], digits)}</td>
      <td class="num mono size">
        <span class="depth-bar" style={{ width: `${(Number(level[1]) / maxSize) * 100}%` }} aria-hidden="true" />
        <span class="size-text">{level[1]}</span>
      </td>
    </tr>
  );
  return (
    <table
      class={`ladder ${props.stale ? 'is-stale' : ''}`}
      aria-label="Order book ladder"
      data-testid="ladder"
      data-u={book?.u}
    >
      <TableHead
        columns={[
          { label: 'Price', num: true },
          { label: 'Size', num: true },
        ]}
      />
      <tbody>
        {[...asks].reverse().map((l) => row(l, 'ask'))}
        <tr class="spread-row">
          <td colSpan={2} class="mono">
            spread {Number.isFinite(spread) ? spread.toFixed(digits) : '—'}
          </td>
        </tr>
        {bids.map((l) => row(l, 'bid'))}
      </tbody>
    </table>
  );
}

function DepthChart(props: { book: BookPush | undefined }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (ref.current && props.book) drawDepth(ref.current, props.book.bids, props.book.asks);
  }, [props.book]);
  return <canvas ref={ref} class="depth" role="img" aria-label="Cumulative depth chart of bids and asks" />;
}

const HEAT_COLUMNS = 120;
const HEAT_SAMPLE_MS = 500;

/** The last minute of the book (2 samples a second, kept in this tab only), drawn as a heatmap of resting size. */
function BookHeatmap(props: { symbol: string; book: BookPush | undefined; tickSize: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const columns = useRef<HeatColumn[]>([]);
  useEffect(() => {
    columns.current = [];
  }, [props.symbol]);
  useEffect(() => {
    const book = props.book;
    const canvas = ref.current;
    if (!book || !canvas || book.symbol !== props.symbol) return;
    const cols = columns.current;
    const previous = cols[cols.length - 1];
    const at = Date.parse(book.exchangeTime ?? '');
    if (!Number.isFinite(at) || (previous && at - previous.at < HEAT_SAMPLE_MS)) return;
    const side = (levels: Array<[string, string]>) => levels.map(([p, q]) => [Number(p), Number(q)] as const);
    cols.push({ at, bids: side(book.bids), asks: side(book.asks) });
    if (cols.length > HEAT_COLUMNS) cols.splice(0, cols.length - HEAT_COLUMNS);
    drawHeatmap(canvas, cols, HEAT_COLUMNS, props.tickSize);
    canvas.dataset.columns = String(cols.length);
  }, [props.book, props.symbol, props.tickSize]);
  return (
    <canvas
      ref={ref}
      class="heatmap"
      role="img"
      data-testid="heatmap"
      aria-label={`${props.symbol} order-book heatmap of the last minute: resting size by price over time, mid price as a line`}
    />
  );
}

/** Imbalance (top 5 and top 10 levels) sampled once a second from the metrics feed, signals marked on it. */
function ImbalanceChart(props: { symbol: string; metrics: MetricsPush | undefined }) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<{
    api: IChartApi;
    i5: ISeriesApi<'Line'>;
    i10: ISeriesApi<'Line'>;
    markers: ISeriesMarkersPluginApi<Time>;
  } | null>(null);
  const marks = useRef<SeriesMarker<Time>[]>([]);
  useEffect(() => {
    if (!el.current) return;
    const api = themedChart(el.current, { timeScale: { timeVisible: true, secondsVisible: true } });
    const i5 = api.addSeries(LineSeries, {
      color: COLORS.accent,
      lineWidth: 2,
      title: 'imb 5',
      priceFormat: { type: 'price', precision: 2, minMove: 0.01 },
    });
    const i10 = api.addSeries(LineSeries, { color: COLORS.amber, lineWidth: 1, title: 'imb 10' });
    i5.createPriceLine({ price: 0.75, color: COLORS.up, lineStyle: 2, lineWidth: 1, title: 'buy' });
    i5.createPriceLine({ price: 0.25, color: COLORS.down, lineStyle: 2, lineWidth: 1, title: 'sell' });
    chart.current = { api, i5, i10, markers: createSeriesMarkers(i5, []) };
    marks.current = [];
    return () => {
      api.remove();
      chart.current = null;
    };
  }, [props.symbol]);
  useEffect(() => {
    const m = props.metrics;
    if (!m || !chart.current) return;
    const t = sec(Date.now());
    chart.current.i5.update({ time: t, value: m.imbalance5 });
    chart.current.i10.update({ time: t, value: m.imbalance10 });
  }, [props.metrics]);
  useEvents<SignalPush>('signals', (s) => {
    if (s.symbol !== props.symbol || !chart.current) return;
    marks.current = [
      ...marks.current,
      {
        time: sec(Date.now()),
        position: s.side === 'Buy' ? 'belowBar' : 'aboveBar',
        color: s.side === 'Buy' ? COLORS.up : COLORS.down,
        shape: s.side === 'Buy' ? 'arrowUp' : 'arrowDown',
        text: s.side,
      } satisfies SeriesMarker<Time>,
    ].slice(-100);
    chart.current.markers.setMarkers(marks.current);
  });
  return (
    <div
      ref={el}
      class="chart chart-sm"
      role="img"
      aria-label={`${props.symbol} order-book imbalance over time, with signals`}
    />
  );
}

/** 1-minute candles, refreshed every 5 s, with the bot's entries and exits marked. */
function CandleChart(props: { symbol: string }) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<{
    api: IChartApi;
    series: ISeriesApi<'Candlestick'>;
    markers: ISeriesMarkersPluginApi<Time>;
  } | null>(null);
  const candles = usePoll<{ candles: Candle[]; current: Candle | null }>(
    `/data/candles/${props.symbol}?limit=180`,
    5000,
  );
  const trades = usePoll<TradesPage>(`/trading/trades?symbol=${props.symbol}&limit=100`, 10_000);
  const positions = usePoll<{ positions: Position[] }>('/trading/positions', 5000);
  useEffect(() => {
    if (!el.current) return;
    // Room right of the last candle, so an exit mark's label on it is not cut off.
    const api = themedChart(el.current, {
      timeScale: { borderColor: COLORS.grid, timeVisible: true, secondsVisible: false, rightOffset: 8 },
    });
    const series = api.addSeries(CandlestickSeries, {
      upColor: COLORS.up,
      downColor: COLORS.down,
      wickUpColor: COLORS.up,
      wickDownColor: COLORS.down,
      borderVisible: false,
    });
    chart.current = { api, series, markers: createSeriesMarkers(series, []) };
    return () => {
      api.remove();
      chart.current = null;
    };
  }, [props.symbol]);
  useEffect(() => {
    const c = chart.current;
    const data = candles.data;
    if (!c || !data) return;
    const all = data.current ? [...data.candles, data.current] : data.candles;
    c.series.setData(
      all.map((k) => ({
        time: sec(Date.parse(k.openTime)),
        open: Number(k.open),
        high: Number(k.high),
        low: Number(k.low),
        close: Number(k.close),
      })),
    );
    const minute = (iso: string) => sec(Math.floor(Date.parse(iso) / 60_000) * 60_000);
    const first = all[0] ? sec(Date.parse(all[0].openTime)) : 0;
    const marks: SeriesMarker<Time>[] = [];
    for (const t of trades.data?.items ?? []) {
      const long = t.side === 'Buy';
      // openedAt is null for a position whose entry the bot never saw (found on the exchange): no entry mark.
      if (t.openedAt !== null)
        marks.push({
          time: minute(t.openedAt),
          position: long ? 'belowBar' : 'aboveBar',
          color: long ? COLORS.up : COLORS.down,
          shape: long ? 'arrowUp' : 'arrowDown',
          text: `${long ? 'L' : 'S'} ${t.entryPrice ?? ''}`,
        });
      marks.push({
        time: minute(t.closedAt),
        position: long ? 'aboveBar' : 'belowBar',
        color: Number(t.netPnl) >= 0 ? COLORS.up : COLORS.down,
        shape: 'circle',
        text: `exit ${t.exitReason ?? ''} ${exact(t.netPnl)}`,
      });
    }
    for (const p of positions.data?.positions ?? []) {
      if (p.symbol !== props.symbol || !p.openedAt) continue;
      const long = p.side === 'Buy';
      marks.push({
        time: minute(p.openedAt),
        position: long ? 'belowBar' : 'aboveBar',
        color: COLORS.amber,
        shape: long ? 'arrowUp' : 'arrowDown',
        text: `open ${p.entryPrice ?? ''}`,
      });
    }
    const shown = marks
      .filter((m) => (m.time as number) >= first)
      .sort((a, b) => (a.time as number) - (b.time as number));
    c.markers.setMarkers(shown);
    // For tests and the curious: how many closed trades are marked on the visible candles.
    if (el.current) el.current.dataset.exitMarks = String(shown.filter((m) => m.shape === 'circle').length);
  }, [candles.data, trades.data, positions.data, props.symbol]);
  return (
    <>
      <div
        ref={el}
        class="chart"
        role="img"
        aria-label={`${props.symbol} 1-minute candles with the bot's entries and exits`}
      />
      {candles.error && <p class="error">{candles.error}</p>}
    </>
  );
}

export function SymbolScreen(props: { symbol: string; symbols: string[] }) {
  const { symbol } = props;
  const now = useTicker(1000);
  const book = useChannel<BookPush>(`orderbook:${symbol}`);
  const metrics = useChannel<MetricsPush>(`metrics:${symbol}`);
  const pairs = usePoll<{ pairs: Pair[] }>('/data/pairs', 60_000);
  const tickSize = pairs.data?.pairs.find((p) => p.symbol === symbol)?.tickSize;
  const digits = useMemo(() => decimalsOf(tickSize), [tickSize]);
  useEffect(() => {
    if (book?.data) recordPaint(Date.parse(book.data.exchangeTime ?? ''));
  }, [book?.data]);
  const stale = isStale(book, now) || book?.data.stale === true;
  const m = metrics?.data;
  return (
    <div class="screen">
      <div class="screen-head">
        <h1 class="screen-title">{symbol}</h1>
        <div class="tabs" role="tablist" aria-label="Symbol">
          {props.symbols.map((s) => (
            <a
              key={s}
              role="tab"
              aria-selected={s === symbol}
              class={s === symbol ? 'active' : ''}
              href={`#/symbol/${s}`}
            >
              {s}
            </a>
          ))}
        </div>
        {stale ? <Badge tone="warn">stale feed</Badge> : <Badge tone="ok">live</Badge>}
        {book?.data && !book.data.synced && <Badge tone="warn">resyncing</Badge>}
      </div>
      <div class="stats-row compact-stats">
        <div class="stat">
          <div class="stat-label">Mid</div>
          <div class="stat-value mono">{m?.mid != null ? fixed(m.mid, digits) : '—'}</div>
        </div>
        <div class="stat">
          <div class="stat-label">Spread</div>
          <div class="stat-value mono">{m?.spread != null ? fixed(m.spread, digits) : '—'}</div>
        </div>
        <div class="stat">
          <div class="stat-label">Imbalance 5 / 10 / all</div>
          <div class="stat-value mono">
            {pct(m?.imbalance5)} / {pct(m?.imbalance10)} / {pct(m?.imbalanceTotal)}
          </div>
        </div>
        <div class="stat">
          <div class="stat-label">Support / resistance</div>
          <div class="stat-value mono">
            {m?.support != null ? fixed(m.support, digits) : '—'} /{' '}
            {m?.resistance != null ? fixed(m.resistance, digits) : '—'}
          </div>
        </div>
      </div>
      <div class="symbol-grid">
        <Card title="Order book" class="ladder-card">
          <Ladder book={book?.data} digits={digits} stale={stale} />
        </Card>
        <div class="symbol-charts">
          <Card title="1-minute candles · entries and exits">
            <CandleChart symbol={symbol} />
          </Card>
          <Card title="Book heatmap · last minute">
            <BookHeatmap symbol={symbol} book={book?.data} tickSize={Number(tickSize ?? 0)} />
          </Card>
          <div class="grid-2">
            <Card title="Depth">
              <DepthChart book={book?.data} />
            </Card>
            <Card title="Imbalance and signals">
              <ImbalanceChart symbol={symbol} metrics={m} />
            </Card>
          </div>
        </div>
      </div>
    </div>
  );
}
