import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { waitFor } from './wait-for';

export const REPO_ROOT = join(__dirname, '../..');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export interface ServiceProcess {
  readonly child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/**
 * Runs src/main.ts (or another entry, e.g. src/simulator/main.ts) as its own process (transpiled by ts-node with
 * swc), environment given explicitly.
 */
export function spawnService(env: Record<string, string | undefined>, entry = 'src/main.ts'): ServiceProcess {
  const cleanEnv: Record<string, string> = {};
  // METRICS_PORT 0: test processes run side by side, each on a free metrics port unless a test names one.
  const withDefaults = { PATH: process.env.PATH, HOME: process.env.HOME, METRICS_PORT: '0', ...env };
  for (const [key, value] of Object.entries(withDefaults)) {
    if (value !== undefined) cleanEnv[key] = value;
  }
  // A compiled .js entry (see compiled.ts) runs as is; a .ts entry through ts-node.
  const args = entry.endsWith('.js') ? [entry] : ['-r', 'ts-node/register', join(REPO_ROOT, entry)];
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...cleanEnv, TS_NODE_SWC: 'true', TS_NODE_TRANSPILE_ONLY: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => text, exited };
}

/** Polls url until it answers with the wanted status or the deadline passes; returns the elapsed ms. */
export async function waitForStatus(
  url: string,
  status: number,
  timeoutMs: number,
  started = Date.now(),
): Promise<number> {
  const answer = () =>
    fetch(url).then(
      (response) => response.status,
      () => 'not listening',
    );
  await waitFor(answer, {
    until: (answered) => answered === status,
    timeoutMs: timeoutMs - (Date.now() - started),
    intervalMs: 100,
    what: `${url} to answer ${status}`,
  });
  return Date.now() - started;
}

export async function isPortOpen(port: number): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
