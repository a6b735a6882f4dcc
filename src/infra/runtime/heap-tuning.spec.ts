import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * Runs a script in a fresh node with V8's pretenuring statistics traced (one `pretenuring:` line per scavenge that
 * had allocation-site feedback to process) and counts those lines once the script starts. The script keeps every object of one literal
 * alive, the pattern V8 pretenures.
 */
function pretenuringTraceLines(applyTuning: boolean): number {
  const module = join(__dirname, 'heap-tuning.ts');
  const script = [
    applyTuning ? `require(${JSON.stringify(module)}).applyHeapTuning();` : '',
    // Loading ts-node has scavenges of its own: only the lines after this one count.
    "console.log('start');",
    'const keep = [];',
    'for (let i = 0; i < 3e5; i++) keep.push({ a: i, b: [i] });',
    'console.log(keep.length);',
  ].join('\n');
  const result = spawnSync(
    process.execPath,
    ['--trace-pretenuring-statistics', '-r', 'ts-node/register/transpile-only', '-e', script],
    { cwd: join(__dirname, '../../..'), env: { ...process.env, TS_NODE_SWC: 'true' }, encoding: 'utf8' },
  );
  expect(result.status).toBe(0);
  expect(result.stdout).toContain('300000');
  const afterStart = result.stdout.slice(result.stdout.indexOf('start\n'));
  return afterStart.split('\n').filter((line) => line.includes('pretenuring:')).length;
}

describe('applyHeapTuning', () => {
  it('stops V8 from collecting allocation-site pretenuring feedback in this process', () => {
    // The control: without the tuning the same script makes V8 weigh pretenuring at its scavenges.
    expect(pretenuringTraceLines(false)).toBeGreaterThan(0);
    expect(pretenuringTraceLines(true)).toBe(0);
  });
});
