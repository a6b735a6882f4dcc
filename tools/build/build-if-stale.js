#!/usr/bin/env node
'use strict';
/**
 * `npm start` / `npm run sim` run this first: it builds (nest build, then the dashboard's ui/build.mjs) only when dist/ is missing or older than a
 * source that goes into it, so starting an up-to-date build costs a directory walk (tens of ms), not a compile.
 * The check is by modification time against a stamp written after a successful build.
 */
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, statSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..', '..');
const stamp = join(root, 'dist', '.build-stamp');
const inputs = [
  'src',
  'ui',
  'migrations',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
  'nest-cli.json',
];

/** The newest modification time under path (a file or a directory tree), 0 when it does not exist. */
function newest(path) {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs; // a deleted file changes its directory's mtime
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

const built =
  existsSync(stamp) && existsSync(join(root, 'dist', 'src', 'main.js')) && existsSync(join(root, 'dist', 'ui'))
    ? statSync(stamp).mtimeMs
    : 0;
const changed = Math.max(...inputs.map((input) => newest(join(root, input))));
if (built > 0 && changed <= built) process.exit(0);

process.stderr.write(built === 0 ? 'Building (first start)…\n' : 'Sources changed since the last build: building…\n');
const startedAt = Date.now();
const result = spawnSync(process.execPath, [require.resolve('@nestjs/cli/bin/nest.js'), 'build'], {
  cwd: root,
  stdio: 'inherit',
});
if (result.status !== 0) {
  process.stderr.write('Build failed: see the compiler errors above.\n');
  process.exit(result.status ?? 1);
}
const ui = spawnSync(process.execPath, [join(root, 'ui', 'build.mjs')], { cwd: root, stdio: 'inherit' });
if (ui.status !== 0) {
  process.stderr.write('Dashboard build failed: see the errors above.\n');
  process.exit(ui.status ?? 1);
}
writeFileSync(stamp, `${new Date().toISOString()}\n`);
process.stderr.write(`Built in ${((Date.now() - startedAt) / 1000).toFixed(1)} s\n`);
