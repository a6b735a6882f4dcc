import type { EquityPoint, ReportMetrics, TradeRow, TradeTable } from './report-metrics';

/**
 * The self-contained report.html: one file with the data, the styles and the chart library inlined, so it opens
 * offline from a file:// URL and can be mailed or archived. Charts: TradingView Lightweight Charts (Apache-2.0),
 * whose licence asks for its attribution notice and a link to tradingview.com on the page (footer + chart logo).
 * Pure: the caller reads the library's standalone build and passes its text.
 */

export interface PricePoint {
  readonly timeMs: number;
  readonly price: number;
}

export interface ReportDocument {
  readonly title: string;
  /** Shown as a key/value list under the title (data file, fingerprint, seed, settings overrides…). */
  readonly runInfo: Readonly<Record<string, string>>;
  readonly metrics: ReportMetrics;
  readonly equity: readonly EquityPoint[];
  /** Mid or last-trade price per symbol, sampled (the writer keeps it to a few thousand points). */
  readonly prices: Readonly<Record<string, readonly PricePoint[]>>;
}

export const CHART_ATTRIBUTION =
  'Charts: TradingView Lightweight Charts™, Copyright © TradingView, Inc., Apache License 2.0';

export function renderReportHtml(doc: ReportDocument, chartLibrary: string): string {
  const m = doc.metrics;
  const data = {
    equity: doc.equity.map((p) => [p.timeMs, Number(p.equity)]),
    prices: Object.fromEntries(
      Object.entries(doc.prices).map(([symbol, points]) => [symbol, points.map((p) => [p.timeMs, p.price])]),
    ),
    trades: m.tradeList.map((t) => ({
      symbol: t.symbol,
      side: t.side,
      entryTimeMs: t.entryTimeMs,
      exitTimeMs: t.exitTimeMs,
      entryPrice: Number(t.entryPrice),
      exitPrice: Number(t.exitPrice),
      netPnl: Number(t.netPnl),
    })),
  };
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(doc.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>${escapeHtml(doc.title)}</h1>
<dl class="info">${Object.entries(doc.runInfo)
    .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`)
    .join('')}</dl></header>
<section class="cards">${headline(m)}</section>
<h2>Equity</h2><div class="chart" id="equity"></div>
<h2>Drawdown</h2><div class="chart small" id="drawdown"></div>
<h2>Price, entries and exits</h2><div id="prices"></div>
<h2>Scalping quality</h2>${scalpingTable(m)}
<h2>By exit reason</h2>${groupTable('exit reason', m.byExitReason)}
<h2>By symbol</h2>${groupTable('symbol', m.bySymbol)}
<h2>Trades (${m.tradeList.length})</h2>${tradeTable(m.tradeList)}
<footer>${escapeHtml(CHART_ATTRIBUTION)} — <a href="https://www.tradingview.com/">www.tradingview.com</a>.
Formulas: README, “Backtest report metrics”.</footer>
<script type="application/json" id="report-data">${jsonForScript(data)}</script>
<script>${chartLibrary.replace(/<\/script/gi, '<\\/script')}</script>
<script>${CHART_SCRIPT}</script>
</body>
</html>
`;
}

function headline(m: ReportMetrics): string {
  const cards: Array<[string, string]> = [
    ['Trades', String(m.trades)],
    ['Win rate', pct(m.winRate)],
    ['Net PnL', m.netPnl],
    ['Total return', pct(m.totalReturn, 3)],
    ['Profit factor', num(m.profitFactor)],
    ['Expectancy', m.expectancy ?? '—'],
    ['Avg return', pct(m.averageReturn, 3)],
    ['Max drawdown', `${pct(m.maxDrawdown, 3)} (${m.maxDrawdownAbs})`],
    ['DD duration', duration(m.maxDrawdownDurationMs)],
    ['Sharpe', num(m.sharpe)],
    ['Sortino', num(m.sortino)],
    ['Calmar', num(m.calmar)],
    ['Avg holding', m.averageHoldingMs === null ? '—' : duration(m.averageHoldingMs)],
    ['Fees paid', m.fees],
    ['Best trade', m.bestTrade ? `${m.bestTrade.netPnl} (${pct(m.bestTrade.return, 3)})` : '—'],
    ['Worst trade', m.worstTrade ? `${m.worstTrade.netPnl} (${pct(m.worstTrade.return, 3)})` : '—'],
  ];
  return cards.map(([k, v]) => `<div class="card"><span>${escapeHtml(k)}</span><b>${escapeHtml(v)}</b></div>`).join('');
}

function scalpingTable(m: ReportMetrics): string {
  const rows: Array<[string, string]> = [
    ['Fill ratio (trades / entry orders)', pct(m.fillRatio)],
    ['Entry slippage vs signal (bps, + = worse)', num(m.entrySlippageBps)],
    ...Object.entries(m.markoutBps).map(([h, v]): [string, string] => [
      `Markout after ${Number(h) / 1000} s (bps, + = favourable)`,
      num(v),
    ]),
    ['Maker share of entries', pct(m.makerShare)],
    [
      'Signal → fill latency p50 / p90 / p99 (ms)',
      [m.fillLatencyMs.p50, m.fillLatencyMs.p90, m.fillLatencyMs.p99].map(num).join(' / '),
    ],
    ['Time in market', pct(m.timeInMarket)],
  ];
  return `<table><tbody>${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</tbody></table>`;
}

function groupTable(label: string, groups: Readonly<Record<string, TradeTable>>): string {
  const head = [label, 'trades', 'win rate', 'net PnL', 'profit factor', 'expectancy', 'avg return', 'fees'];
  const body = Object.entries(groups).map(([key, t]) => [
    key,
    String(t.trades),
    pct(t.winRate),
    t.netPnl,
    num(t.profitFactor),
    t.expectancy ?? '—',
    pct(t.averageReturn, 3),
    t.fees,
  ]);
  return table(head, body);
}

function tradeTable(trades: readonly TradeRow[]): string {
  const head = [
    '#',
    'symbol',
    'side',
    'entry time (UTC)',
    'exit time',
    'qty',
    'entry',
    'exit',
    'net PnL',
    'return',
    'fees',
    'exit reason',
    'slip bps',
    'maker',
    'latency ms',
  ];
  const body = trades.map((t, i) => [
    String(i + 1),
    t.symbol,
    t.side,
    iso(t.entryTimeMs),
    iso(t.exitTimeMs),
    t.qty,
    t.entryPrice,
    t.exitPrice,
    t.netPnl,
    pct(t.return, 3),
    t.fees,
    t.exitReason,
    num(t.slippageBps),
    t.maker ? 'yes' : 'no',
    String(t.fillLatencyMs),
  ]);
  return table(head, body);
}

function table(head: readonly string[], body: ReadonlyArray<readonly string[]>): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const rows = body.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<div class="scroll"><table><thead><tr>${th}</tr></thead><tbody>${rows}</tbody></table></div>`;
}

function pct(value: number | null, digits = 1): string {
  return value === null ? '—' : `${(value * 100).toFixed(digits)} %`;
}

function num(value: number | null): string {
  if (value === null || !Number.isFinite(value)) return '—';
  return Math.abs(value) >= 1000 ? value.toFixed(0) : value.toFixed(2);
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

function duration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 120) return `${s.toFixed(1)} s`;
  if (s < 7200) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON inside a <script> element: `<` escaped so no string in the data can close the element. */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:24px;background:#fafafa;color:#1b1f24}
h1{margin:0 0 8px}h2{margin:28px 0 8px;font-size:17px}
.info{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0;color:#555}.info dt{font-weight:600}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:8px;margin-top:16px}
.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px}.card span{display:block;color:#666;font-size:12px}
.card b{font-size:16px}.chart{height:300px;background:#fff;border:1px solid #ddd}.chart.small{height:160px}
table{border-collapse:collapse;background:#fff}th,td{border:1px solid #ddd;padding:3px 8px;text-align:right;white-space:nowrap}
th{background:#f0f2f4}tbody th{text-align:left}.scroll{max-height:480px;overflow:auto}
footer{margin-top:32px;color:#666;font-size:12px}`;

/** Runs in the browser: builds the charts from the inlined data with the inlined library (global LightweightCharts). */
const CHART_SCRIPT = `
(function(){
var LC=window.LightweightCharts;var data=JSON.parse(document.getElementById('report-data').textContent);
function series(points){var out=[],last=-1;for(var i=0;i<points.length;i++){var t=Math.floor(points[i][0]/1000);
if(t===last){out[out.length-1].value=points[i][1];}else{out.push({time:t,value:points[i][1]});last=t;}}return out;}
var charts=[];
function chart(el){var c=LC.createChart(el,{autoSize:true,layout:{attributionLogo:true},timeScale:{timeVisible:true,secondsVisible:true}});charts.push(c);return c;}
var eq=series(data.equity);
chart(document.getElementById('equity')).addSeries(LC.LineSeries,{color:'#2962ff',lineWidth:2}).setData(eq);
var peak=-Infinity;var dd=eq.map(function(p){peak=Math.max(peak,p.value);return{time:p.time,value:peak>0?(p.value-peak)/peak*100:0};});
chart(document.getElementById('drawdown')).addSeries(LC.AreaSeries,{lineColor:'#d32f2f',topColor:'rgba(211,47,47,0.1)',bottomColor:'rgba(211,47,47,0.4)',invertFilledArea:true}).setData(dd);
var host=document.getElementById('prices');
Object.keys(data.prices).sort().forEach(function(symbol){
  var title=document.createElement('h3');title.textContent=symbol;host.appendChild(title);
  var el=document.createElement('div');el.className='chart';host.appendChild(el);
  var pts=data.prices[symbol].slice();var trades=data.trades.filter(function(t){return t.symbol===symbol;});
  trades.forEach(function(t){pts.push([t.entryTimeMs,t.entryPrice]);pts.push([t.exitTimeMs,t.exitPrice]);});
  pts.sort(function(a,b){return a[0]-b[0];});
  var s=chart(el).addSeries(LC.LineSeries,{color:'#455a64',lineWidth:1});s.setData(series(pts));
  var markers=[];trades.forEach(function(t){var long=t.side==='Buy';
    markers.push({time:Math.floor(t.entryTimeMs/1000),position:long?'belowBar':'aboveBar',color:long?'#2e7d32':'#c62828',shape:long?'arrowUp':'arrowDown',text:(long?'long ':'short ')+t.entryPrice});
    markers.push({time:Math.floor(t.exitTimeMs/1000),position:long?'aboveBar':'belowBar',color:t.netPnl>0?'#2e7d32':'#c62828',shape:'circle',text:'exit '+t.netPnl.toFixed(4)});});
  markers.sort(function(a,b){return a.time-b.time;});LC.createSeriesMarkers(s,markers);
});
// A report shows the whole run: without this a short equity series sits squeezed at the right edge.
charts.forEach(function(c){c.timeScale().fitContent();});
})();`;
