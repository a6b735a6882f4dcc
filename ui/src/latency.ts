/**
 * Exchange → screen latency of order-book pushes: exchange timestamp of the book's last update to the animation
 * frame after it was rendered. Kept in a ring of the last samples; the header shows the p95, and the bench reads
 * `window.__dashboardLatency` through the browser.
 */
const CAPACITY = 4096;
const samples = new Float64Array(CAPACITY);
let count = 0;

export function recordPaint(exchangeTs: number): void {
  if (!Number.isFinite(exchangeTs)) return; // a book with no update yet has no exchange time
  requestAnimationFrame(() => {
    samples[count % CAPACITY] = Date.now() - exchangeTs;
    count += 1;
  });
}

export function latencyPercentile(p: number): number | null {
  const n = Math.min(count, CAPACITY);
  if (n === 0) return null;
  const sorted = Array.from(samples.subarray(0, n)).sort((a, b) => a - b);
  return sorted[Math.min(n - 1, Math.floor((p / 100) * n))] ?? null;
}

export function latencyReset(): void {
  count = 0;
}

declare global {
  interface Window {
    __dashboardLatency?: { percentile: typeof latencyPercentile; reset: typeof latencyReset; count: () => number };
  }
}

window.__dashboardLatency = { percentile: latencyPercentile, reset: latencyReset, count: () => count };
