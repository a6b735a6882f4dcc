import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BACKTEST_V8_FLAGS } from './sweep-runner';

describe('BACKTEST_V8_FLAGS', () => {
  it('should be the flags `npm run backtest` starts Node with (the sweep bench measures under the same ones)', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    const script = pkg.scripts.backtest;
    const nodeArgs = script.slice(script.indexOf('node ') + 'node '.length).split(' ');

    expect(BACKTEST_V8_FLAGS.length).toBeGreaterThan(0);
    for (const flag of BACKTEST_V8_FLAGS) expect(nodeArgs).toContain(flag);
  });
});
