import { transformFileSync } from '@swc/core';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { REPO_ROOT } from './process';

/**
 * Compiles src/ and migrations/ once (swc, the project's .swcrc) into a folder of its own inside the repository,
 * so tests that start many bot processes pay Node's start-up (~1 s) instead of ts-node's per process (~10 s).
 * The folder sits in the checkout so node_modules resolve as for dist/.
 */
export function compileForProcesses(): {
  readonly root: string;
  readonly entry: (path: string) => string;
  readonly remove: () => void;
} {
  const root = join(REPO_ROOT, '.test-build', `${process.pid}-${Date.now().toString(36)}`);
  const options = JSON.parse(readFileSync(join(REPO_ROOT, '.swcrc'), 'utf8')) as Record<string, unknown>;
  delete options.$schema;
  for (const folder of ['src', 'migrations']) {
    for (const file of tsFiles(join(REPO_ROOT, folder))) {
      const { code } = transformFileSync(file, { ...options, sourceMaps: false, swcrc: false });
      const out = join(root, relative(REPO_ROOT, file)).replace(/\.ts$/, '.js');
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, code);
    }
  }
  return {
    root,
    entry: (path: string) => join(root, path.replace(/\.ts$/, '.js')),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...tsFiles(path));
    else if (name.endsWith('.ts') && !/\.(spec|int-spec|e2e-spec)\.ts$/.test(name) && !name.endsWith('.d.ts'))
      out.push(path);
  }
  return out;
}
