import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseReplayLine, parseReplayText, ReplayError } from './replay-reader';

const RECORDING = join(__dirname, '../../../test/fixtures/bybit/xrpusdt-orderbook500-2024-12-01.jsonl');

describe('replay-reader', () => {
  it('should parse every line of the real XRPUSDT recording when it is read', () => {
    const text = readFileSync(RECORDING, 'utf8');
    const records = parseReplayText(text);
    expect(records).toHaveLength(50);
    const first = records[0];
    expect(first.kind).toBe('orderbook');
    if (first.kind !== 'orderbook') return;
    expect(first).toMatchObject({
      line: 1,
      topic: 'orderbook.500.XRPUSDT',
      depth: 500,
      symbol: 'XRPUSDT',
      ts: 1733011200691,
    });
    expect(first.message.type).toBe('snapshot');
    expect(first.message.data.b).toHaveLength(500);
    // field values are those Bybit sent: the parsed message equals the raw JSON of the line
    const lines = text.split('\n').filter((l) => l.trim().length > 0);
    records.forEach((r, i) => {
      expect(r.raw).toBe(lines[i].replace(/\r$/, ''));
      expect(r.message).toEqual(JSON.parse(lines[i]));
    });
  });

  it('should pass other public topics through with their envelope when they are recorded', () => {
    const record = parseReplayLine('{"topic":"publicTrade.BTCUSDT","type":"snapshot","ts":5,"data":[{"p":"1"}]}', 3);
    expect(record).toMatchObject({ kind: 'other', line: 3, ts: 5, topic: 'publicTrade.BTCUSDT' });
  });

  it.each([
    ['not json', 'BAD_JSON'],
    ['[1,2]', 'BAD_MESSAGE'],
    ['{"type":"delta","ts":1,"data":{}}', 'BAD_MESSAGE'],
    [
      '{"topic":"orderbook.50.BTCUSDT","type":"update","ts":1,"data":{"s":"BTCUSDT","b":[],"a":[],"u":1,"seq":1}}',
      'BAD_MESSAGE',
    ],
    [
      '{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1,"data":{"s":"ETHUSDT","b":[],"a":[],"u":1,"seq":1}}',
      'BAD_MESSAGE',
    ],
    [
      '{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1,"data":{"s":"BTCUSDT","b":[["1",2]],"a":[],"u":1,"seq":1}}',
      'BAD_MESSAGE',
    ],
    [
      '{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1,"data":{"s":"BTCUSDT","b":[],"a":[["1e5","1"]],"u":1,"seq":1}}',
      'BAD_MESSAGE',
    ],
    [
      '{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":1,"data":{"s":"BTCUSDT","b":[],"a":[],"seq":1}}',
      'BAD_MESSAGE',
    ],
    [
      '{"topic":"orderbook.50.BTCUSDT","type":"delta","ts":"1","data":{"s":"BTCUSDT","b":[],"a":[],"u":1,"seq":1}}',
      'BAD_MESSAGE',
    ],
  ])('should reject %s with %s when a line is invalid', (line, code) => {
    try {
      parseReplayLine(line, 7);
      throw new Error('accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(ReplayError);
      expect((error as ReplayError).code).toBe(code);
      expect((error as ReplayError).line).toBe(7);
    }
  });

  it('should number lines from 1 and skip blank ones when parsing a whole file', () => {
    const ok = '{"topic":"tickers.X","type":"snapshot","ts":1,"data":{}}';
    const records = parseReplayText(`\uFEFF${ok}\r\n\r\n${ok}\n`);
    expect(records.map((r) => r.line)).toEqual([1, 3]);
  });
});
