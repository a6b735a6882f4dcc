import { checkDataFilePath, checkOverrideKeys, overridableSettings } from './backtest-request';

describe('checkDataFilePath', () => {
  it.each([
    ['btcusdt.jsonl', 'btcusdt.jsonl'],
    ['bybit/xrpusdt-orderbook500.jsonl.gz', 'bybit/xrpusdt-orderbook500.jsonl.gz'],
    ['./a/./b.ndjson', 'a/b.ndjson'],
    ['a//b.json', 'a/b.json'],
  ])('accepts %p as %p', (text, path) => {
    expect(checkDataFilePath(text)).toEqual({ path });
  });

  it.each([
    ['', /must name/],
    ['/etc/passwd.jsonl', /not an absolute path/],
    ['C:/x.jsonl', /not an absolute path/],
    ['../secrets.jsonl', /must not leave/],
    ['a/../../b.jsonl', /must not leave/],
    ['a/..', /must not leave/],
    ['..\\..\\x.jsonl', /backslashes/],
    ['a\u0000.jsonl', /control characters/],
    ['.hidden.jsonl', /hidden/],
    ['a/.git/x.jsonl', /hidden/],
    ['folder/', /a file, not a folder/],
    ['notes.md', /must be a recording/],
    ['x'.repeat(600) + '.jsonl', /at most 512/],
  ])('refuses %p, naming dataFile', (text, problem) => {
    const checked = checkDataFilePath(text);
    expect(checked).toEqual({ field: 'dataFile', problem: expect.stringMatching(problem) });
  });
});

describe('setting overrides', () => {
  const declared = [
    'PORT',
    'SECRET_KEY',
    'DATA_DIR',
    'TAKE_PROFIT_PCT',
    'IMBALANCE_BUY_THRESHOLD',
    'BACKTEST_DATA_DIR',
  ];
  const backtestKeys = ['BACKTEST_LATENCY_MS'];

  it('allows trading knobs and the backtest realism settings, never secrets, paths or ports', () => {
    expect(overridableSettings(declared, backtestKeys)).toEqual([
      'TAKE_PROFIT_PCT',
      'IMBALANCE_BUY_THRESHOLD',
      'BACKTEST_LATENCY_MS',
    ]);
  });

  it('names each refused key and value as settings.KEY', () => {
    const allowed = overridableSettings(declared, backtestKeys);
    expect(checkOverrideKeys({ TAKE_PROFIT_PCT: '0.5', IMBALANCE_BUY_THRESHOLD: 0.7 }, allowed)).toEqual([]);
    expect(
      checkOverrideKeys(
        { DATA_DIR: '/tmp', NOPE: '1', TAKE_PROFIT_PCT: { a: 1 }, BACKTEST_LATENCY_MS: 'x'.repeat(300) },
        allowed,
      ),
    ).toEqual([
      { field: 'settings.DATA_DIR', problem: expect.stringMatching(/not a setting a backtest can change/) },
      { field: 'settings.NOPE', problem: expect.stringMatching(/not a setting a backtest can change/) },
      { field: 'settings.TAKE_PROFIT_PCT', problem: 'must be a string, number or boolean' },
      { field: 'settings.BACKTEST_LATENCY_MS', problem: 'must be at most 256 characters' },
    ]);
  });
});
