import {
  CandlestickSeries,
  ColorType,
  createChart,
  createSeriesMarkers,
  CrosshairMode,
  LineSeries,
  type DeepPartial,
  type ChartOptions,
  type IChartApi,
  type ISeriesApi,
  type ISeriesMarkersPluginApi,
  type SeriesMarker,
  type Time,
  type UTCTimestamp,
} from 'lightweight-charts';

export const COLORS = {
  bg: '#0f1520',
  grid: '#1b2433',
  text: '#9aa7b8',
  up: '#26b07e',
  down: '#ef5a5f',
  accent: '#4c8dff',
  amber: '#f0b429',
};

/** A chart in the dashboard's theme, sized to its element; the TradingView attribution logo stays on (licence). */
export function themedChart(el: HTMLElement, options: DeepPartial<ChartOptions> = {}): IChartApi {
  return createChart(el, {
    autoSize: true,
    layout: {
      background: { type: ColorType.Solid, color: COLORS.bg },
      textColor: COLORS.text,
      fontFamily: 'ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
      fontSize: 11,
      attributionLogo: true,
    },
    grid: { vertLines: { color: COLORS.grid }, horzLines: { color: COLORS.grid } },
    crosshair: { mode: CrosshairMode.Normal },
    rightPriceScale: { borderColor: COLORS.grid },
    timeScale: { borderColor: COLORS.grid, timeVisible: true, secondsVisible: false },
    ...options,
  });
}

export type { IChartApi, ISeriesApi, ISeriesMarkersPluginApi, SeriesMarker, Time, UTCTimestamp };
export { CandlestickSeries, LineSeries, createSeriesMarkers };

/** Seconds since the epoch as lightweight-charts wants them. */
export const sec = (ms: number): UTCTimestamp => Math.floor(ms / 1000) as UTCTimestamp;

/** The canvas sized to its box at the screen's pixel ratio and cleared; null while it has no size (hidden). */
function blankCanvas(
  canvas: HTMLCanvasElement,
): { ctx: CanvasRenderingContext2D; width: number; height: number } | null {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  if (width === 0 || height === 0) return null;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  const ctx = canvas.getContext('2d');
  if (!ctx) return null;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.fillStyle = COLORS.bg;
  ctx.fillRect(0, 0, width, height);
  return { ctx, width, height };
}

/**
 * Cumulative depth of both book sides on a canvas (price on x, cumulative size on y). Drawn by hand: time-series
 * libraries have no price axis on x, and this is a few lines.
 */
export function drawDepth(
  canvas: HTMLCanvasElement,
  bids: Array<[string, string]>,
  asks: Array<[string, string]>,
): void {
  const blank = blankCanvas(canvas);
  if (!blank) return;
  const { ctx, width, height } = blank;
  if (bids.length === 0 || asks.length === 0) return;
  const cumulative = (levels: Array<[string, string]>) => {
    let total = 0;
    return levels.map(([p, s]) => {
      total += Number(s);
      return [Number(p), total] as const;
    });
  };
  const b = cumulative(bids);
  const a = cumulative(asks);
  const minP = b[b.length - 1]![0];
  const maxP = a[a.length - 1]![0];
  const maxQ = Math.max(b[b.length - 1]![1], a[a.length - 1]![1]) * 1.08;
  const pad = { l: 6, r: 6, t: 8, b: 18 };
  const x = (p: number) => pad.l + ((p - minP) / (maxP - minP || 1)) * (width - pad.l - pad.r);
  const y = (q: number) => height - pad.b - (q / maxQ) * (height - pad.t - pad.b);
  const side = (points: ReadonlyArray<readonly [number, number]>, stroke: string, fill: string) => {
    ctx.beginPath();
    ctx.moveTo(x(points[0]![0]), y(0));
    let lastQ = 0;
    for (const [p, q] of points) {
      ctx.lineTo(x(p), y(lastQ));
      ctx.lineTo(x(p), y(q));
      lastQ = q;
    }
    ctx.lineTo(x(points[points.length - 1]![0]), y(0));
    ctx.closePath();
    ctx.fillStyle = fill;
    ctx.fill();
    ctx.strokeStyle = stroke;
    ctx.lineWidth = 1.5;
    ctx.stroke();
  };
  side(b, COLORS.up, 'rgba(38,176,126,0.22)');
  side(a, COLORS.down, 'rgba(239,90,95,0.22)');
  ctx.fillStyle = COLORS.text;
  ctx.font = '11px ui-sans-serif, system-ui, sans-serif';
  ctx.textBaseline = 'bottom';
  ctx.textAlign = 'left';
  ctx.fillText(String(minP), pad.l, height - 2);
  ctx.textAlign = 'right';
  ctx.fillText(String(maxP), width - pad.r, height - 2);
  ctx.textAlign = 'center';
  ctx.fillText(`mid ${((b[0]![0] + a[0]![0]) / 2).toFixed(2)}`, width / 2, height - 2);
}

/** One sampled book for the heatmap: prices and sizes of each side as numbers, best level first. */
export interface HeatColumn {
  readonly at: number;
  readonly bids: ReadonlyArray<readonly [number, number]>;
  readonly asks: ReadonlyArray<readonly [number, number]>;
}

/**
 * Resting size by price over time: one column per sampled book (oldest left), one row per tick, bids green and asks
 * red, brighter for more size (square root of the share of the largest level in view), the mid price as a line.
 */
export function drawHeatmap(
  canvas: HTMLCanvasElement,
  columns: readonly HeatColumn[],
  capacity: number,
  tickSize: number,
): void {
  const blank = blankCanvas(canvas);
  if (!blank) return;
  const { ctx, width, height } = blank;
  const last = columns[columns.length - 1];
  if (!last || last.bids.length === 0 || last.asks.length === 0) return;
  const pad = { l: 4, r: 64, t: 6, b: 16 };
  const plotW = width - pad.l - pad.r;
  const plotH = height - pad.t - pad.b;
  // The window's whole price range, so older columns stay in view while the market moves.
  let low = Infinity;
  let high = -Infinity;
  for (const c of columns) {
    const deepestBid = c.bids[c.bids.length - 1];
    const deepestAsk = c.asks[c.asks.length - 1];
    if (deepestBid && deepestBid[0] < low) low = deepestBid[0];
    if (deepestAsk && deepestAsk[0] > high) high = deepestAsk[0];
  }
  // Before /data/pairs answers, the spread stands in for the tick.
  const tick = tickSize > 0 ? tickSize : Math.abs(last.asks[0]![0] - last.bids[0]![0]) || 1;
  const span = high - low + tick;
  const y = (p: number) => pad.t + ((high + tick / 2 - p) / span) * plotH;
  const rowH = Math.max(1, (tick / span) * plotH);
  const colW = plotW / capacity;
  const x0 = pad.l + plotW - columns.length * colW;
  let maxSize = 0;
  for (const c of columns) {
    for (const [, s] of c.bids) if (s > maxSize) maxSize = s;
    for (const [, s] of c.asks) if (s > maxSize) maxSize = s;
  }
  const paint = (levels: ReadonlyArray<readonly [number, number]>, rgb: string, x: number) => {
    for (const [p, s] of levels) {
      // Square root: small levels stay visible next to the largest one in view.
      ctx.fillStyle = `rgba(${rgb},${(0.2 + 0.8 * Math.sqrt(s / (maxSize || 1))).toFixed(3)})`;
      ctx.fillRect(x, y(p) - rowH / 2, Math.ceil(colW), Math.ceil(rowH));
    }
  };
  columns.forEach((c, i) => {
    const x = x0 + i * colW;
    paint(c.bids, '38,176,126', x);
    paint(c.asks, '239,90,95', x);
  });
  ctx.beginPath();
  columns.forEach((c, i) => {
    if (!c.bids[0] || !c.asks[0]) return;
    const my = y((c.bids[0][0] + c.asks[0][0]) / 2);
    const mx = x0 + (i + 0.5) * colW;
    if (i === 0) ctx.moveTo(mx, my);
    else ctx.lineTo(mx, my);
  });
  ctx.strokeStyle = COLORS.amber;
  ctx.lineWidth = 1.25;
  ctx.stroke();
  ctx.fillStyle = COLORS.text;
  ctx.font = '11px ui-sans-serif, system-ui, sans-serif';
  ctx.textAlign = 'left';
  ctx.textBaseline = 'top';
  ctx.fillText(String(high), width - pad.r + 6, pad.t);
  ctx.textBaseline = 'bottom';
  ctx.fillText(String(low), width - pad.r + 6, pad.t + plotH);
  ctx.textBaseline = 'middle';
  ctx.fillStyle = COLORS.amber;
  ctx.fillText(`mid`, width - pad.r + 6, y((last.bids[0]![0] + last.asks[0]![0]) / 2));
  ctx.fillStyle = COLORS.text;
  ctx.textBaseline = 'bottom';
  ctx.textAlign = 'right';
  ctx.fillText('now', pad.l + plotW, height - 1);
  if (x0 > pad.l + 4) {
    // Not a full window yet: say so where the older columns will be.
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText('collecting the last minute of the book…', pad.l + (x0 - pad.l) / 2, pad.t + plotH / 2);
  } else {
    ctx.textAlign = 'left';
    ctx.fillText(`−${Math.round((last.at - columns[0]!.at) / 1000)}s`, pad.l, height - 1);
  }
}
