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

/**
 * Cumulative depth of both book sides on a canvas (price on x, cumulative size on y). Drawn by hand: time-series
 * libraries have no price axis on x, and this is a few lines.
 */
export function drawDepth(
  canvas: HTMLCanvasElement,
  bids: Array<[string, string]>,
  asks: Array<[string, string]>,
): void {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  if (width === 0 || height === 0) return;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.fillStyle = COLORS.bg;
  ctx.fillRect(0, 0, width, height);
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
