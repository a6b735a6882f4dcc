import { Histogram, Registry } from 'prom-client';
import { HotHistogram } from './hot-histogram';

describe('HotHistogram', () => {
  it("should render exactly what prom-client's Histogram renders for the same samples", async () => {
    const buckets = [0.001, 0.01, 0.1, 1];
    const samples = [0.0005, 0.001, 0.002, 0.05, 0.5, 3, 0.01, 0.0001, NaN];
    const theirs = new Registry();
    const reference = new Histogram({ name: 'x_seconds', help: 'h', buckets, registers: [theirs] });
    const ours = new Registry();
    const hot = new HotHistogram('x_seconds', 'h', buckets, ours);
    for (const v of samples) {
      hot.observe(v);
      if (!Number.isNaN(v)) reference.observe(v);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.metrics()).toContain('x_seconds_bucket{le="0.01"} 5');
    expect(await ours.metrics()).toContain('x_seconds_count 8');
  });
});
