import { readFileSync } from 'node:fs';
import { join } from 'node:path';

function readPackage(): { name: string; version: string } {
  // src/infra/config (ts) and dist/src/infra/config (js) both find package.json by walking up.
  for (const up of ['../../..', '../../../..']) {
    try {
      return JSON.parse(readFileSync(join(__dirname, up, 'package.json'), 'utf8')) as { name: string; version: string };
    } catch {
      /* try the next level */
    }
  }
  return { name: 'bybit-scalper', version: '0.0.0' };
}

const pkg = readPackage();
export const SERVICE_NAME = pkg.name;
export const SERVICE_VERSION = pkg.version;
