import {
  formatSweepTable,
  MAX_SWEEP_COMBINATIONS,
  parseSweepAxis,
  rankSweep,
  splitSpan,
  sweepGrid,
  SweepSchedule,
  type SweepBacktest,
  type SweepMetrics,
  type SweepOutcome,
} from './sweep';

function metrics(netPnl: string, overrides: Partial<SweepMetrics> = {}): SweepMetrics {
  return {
    trades: 10,
    winRate: 0.5,
    netPnl,
    profitFactor: 1,
    sharpe: 0,
    maxDrawdown: 0.01,
    totalReturn: 0,
    fees: '1',
    ...overrides,
  };
}

describe('sweep axes and grid', () => {
  it('parses KEY=a,b,c, trimming values', () => {
    expect(parseSweepAxis('IMBALANCE_BUY_THRESHOLD= 0.6, 0.7 ,0.8')).toEqual({
      key: 'IMBALANCE_BUY_THRESHOLD',
      values: ['0.6', '0.7', '0.8'],
    });
  });

  it.each([
    ['no equals sign', 'IMBALANCE_BUY_THRESHOLD'],
    ['a lower-case key', 'imbalance=1,2'],
    ['an empty value', 'TAKE_PROFIT_PCT=1,,2'],
    ['a repeated value', 'TAKE_PROFIT_PCT=1,2,1'],
  ])('refuses %s', (_why, text) => {
    expect(() => parseSweepAxis(text)).toThrow(/--sweep/);
  });

  it('is the cartesian product, first axis varying slowest', () => {
    const grid = sweepGrid([
      { key: 'A', values: ['1', '2'] },
      { key: 'B', values: ['x', 'y', 'z'] },
    ]);
    expect(grid).toEqual([
      { A: '1', B: 'x' },
      { A: '1', B: 'y' },
      { A: '1', B: 'z' },
      { A: '2', B: 'x' },
      { A: '2', B: 'y' },
      { A: '2', B: 'z' },
    ]);
  });

  it('refuses a key swept twice, swept and fixed, no axis, or a grid too large', () => {
    expect(() => sweepGrid([])).toThrow(/at least one/);
    expect(() =>
      sweepGrid([
        { key: 'A', values: ['1'] },
        { key: 'A', values: ['2'] },
      ]),
    ).toThrow(/A is given twice/);
    expect(() => sweepGrid([{ key: 'A', values: ['1'] }], { A: '3' })).toThrow(/both swept and fixed/);
    const wide = Array.from({ length: 101 }, (_, i) => String(i));
    expect(() =>
      sweepGrid([
        { key: 'A', values: wide },
        { key: 'B', values: wide },
      ]),
    ).toThrow(String(MAX_SWEEP_COMBINATIONS));
  });
});

describe('in-sample / out-of-sample split', () => {
  it('cuts the span chronologically at the share, the parts adjacent and covering it', () => {
    const split = splitSpan({ fromMs: 1000, toMs: 11_000 }, 0.7);
    expect(split).toEqual({ inSample: { fromMs: 1000, toMs: 8000 }, outOfSample: { fromMs: 8000, toMs: 11_000 } });
  });

  it('rounds the cut down to a millisecond and never leaves a part empty', () => {
    expect(splitSpan({ fromMs: 0, toMs: 3 }, 0.5)).toEqual({
      inSample: { fromMs: 0, toMs: 1 },
      outOfSample: { fromMs: 1, toMs: 3 },
    });
    expect(splitSpan({ fromMs: 0, toMs: 2 }, 0.01).inSample).toEqual({ fromMs: 0, toMs: 1 });
    expect(splitSpan({ fromMs: 0, toMs: 2 }, 0.99).outOfSample).toEqual({ fromMs: 1, toMs: 2 });
  });

  it.each([0, 1, -0.5, 1.5, Number.NaN])('refuses the share %p', (share) => {
    expect(() => splitSpan({ fromMs: 0, toMs: 100 }, share)).toThrow(/--in-sample/);
  });

  it('refuses a span too short to split', () => {
    expect(() => splitSpan({ fromMs: 5, toMs: 6 }, 0.5)).toThrow(/too short/);
  });
});

describe('ranking', () => {
  const outcomes: SweepOutcome[] = [
    // Best in-sample, worst out of sample: the overfit set.
    { index: 0, settings: { A: '1' }, inSample: metrics('50'), outOfSample: metrics('-20') },
    { index: 1, settings: { A: '2' }, inSample: metrics('10'), outOfSample: metrics('15') },
    { index: 2, settings: { A: '3' }, inSample: metrics('20'), outOfSample: metrics('15') },
    { index: 3, settings: { A: '4' }, inSample: metrics('5'), outOfSample: metrics('3') },
  ];

  it('ranks by the out-of-sample metric, ties by in-sample, with the in-sample rank beside it', () => {
    const ranked = rankSweep(outcomes);
    expect(ranked.map((o) => [o.settings.A, o.rank, o.inSampleRank])).toEqual([
      ['3', 1, 2],
      ['2', 2, 3],
      ['4', 3, 4],
      ['1', 4, 1],
    ]);
  });

  it('is the same whatever order the outcomes arrive in (workers finish in any order)', () => {
    const shuffled = [outcomes[2], outcomes[0], outcomes[3], outcomes[1]];
    expect(rankSweep(shuffled)).toEqual(rankSweep(outcomes));
  });

  it('puts a missing metric after every present one, negative ones included', () => {
    const ranked = rankSweep(
      [
        { index: 0, settings: { A: '1' }, inSample: metrics('0'), outOfSample: metrics('0', { sharpe: null }) },
        { index: 1, settings: { A: '2' }, inSample: metrics('0'), outOfSample: metrics('0', { sharpe: -3 }) },
      ],
      'sharpe',
    );
    expect(ranked.map((o) => o.settings.A)).toEqual(['2', '1']);
  });

  it('prints a table with one row per combination, best first', () => {
    const table = formatSweepTable(rankSweep(outcomes), ['A']).split('\n');
    expect(table).toHaveLength(2 + outcomes.length);
    expect(table[0]).toMatch(/^rank\s+A\s+OOS trades\s+OOS net PnL/);
    expect(table[2]).toMatch(/^1\s+3\s+10\s+15\.00\s+50\.0%/);
    expect(table[5]).toMatch(/^4\s+1\s+10\s+-20\.00/);
  });
});

describe('the order backtests start in', () => {
  const drain = (schedule: SweepSchedule): SweepBacktest[] => {
    const started: SweepBacktest[] = [];
    for (let next = schedule.next(); next; next = schedule.next()) started.push(next);
    return started;
  };

  it('starts every in-sample backtest first, in grid order, then each out-of-sample one exactly once', () => {
    const schedule = new SweepSchedule(3);
    const started = drain(schedule);
    expect(started.slice(0, 3)).toEqual([0, 1, 2].map((index) => ({ index, period: 'inSample' })));
    expect(started.slice(3).map((b) => b.period)).toEqual(['outOfSample', 'outOfSample', 'outOfSample']);
    expect(
      started
        .slice(3)
        .map((b) => b.index)
        .sort(),
    ).toEqual([0, 1, 2]);
    expect(schedule.next()).toBeNull();
  });

  it('starts the out-of-sample backtests longest in-sample time first, so the shortest run last', () => {
    const schedule = new SweepSchedule(4);
    for (let i = 0; i < 4; i++) schedule.next();
    schedule.inSampleDone(0, 1_500);
    schedule.inSampleDone(1, 2_600);
    schedule.inSampleDone(2, 900);
    schedule.inSampleDone(3, 2_100);
    expect(drain(schedule).map((b) => b.index)).toEqual([1, 3, 0, 2]);
  });

  it('counts a combination whose in-sample run is still going as the mean of the finished ones', () => {
    const schedule = new SweepSchedule(3);
    for (let i = 0; i < 3; i++) schedule.next();
    schedule.inSampleDone(0, 1_000);
    schedule.inSampleDone(2, 3_000);
    // Combination 1 is still running: estimated 2,000, between the other two.
    expect(drain(schedule).map((b) => b.index)).toEqual([2, 1, 0]);
  });
});
