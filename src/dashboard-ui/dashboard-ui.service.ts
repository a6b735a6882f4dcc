import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface UiAsset {
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'app.js.LEGAL.txt': 'text/plain; charset=utf-8',
};

/**
 * The built dashboard (dist/ui, written by `npm run build` through ui/build.mjs), read into memory once: a handful
 * of files, so every request is a map lookup with an ETag, no file-system access. Missing (an unbuilt checkout)
 * is not an error: GET / then keeps answering JSON and /ui/* answers 404.
 */
@Injectable()
export class DashboardUiService implements OnModuleInit {
  private readonly logger = new Logger('DashboardUi');
  private readonly assets = new Map<string, UiAsset>();

  onModuleInit(): void {
    const dir = findUiDir(__dirname);
    if (!dir) {
      this.logger.warn('dashboard not built (no dist/ui/index.html): run npm run build; GET / answers JSON only');
      return;
    }
    for (const [name, contentType] of Object.entries(CONTENT_TYPES)) {
      const path = join(dir, name);
      if (!existsSync(path)) continue;
      const body = readFileSync(path);
      const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
      this.assets.set(name, { body, contentType, etag });
    }
  }

  asset(name: string): UiAsset | undefined {
    return this.assets.get(name);
  }

  index(): UiAsset | undefined {
    return this.assets.get('index.html');
  }
}

/** dist/ui beside the package.json this file belongs to (src/… under ts, dist/src/… once compiled). */
function findUiDir(from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) {
      const ui = join(dir, 'dist', 'ui');
      return existsSync(join(ui, 'index.html')) ? ui : undefined;
    }
    if (dirname(dir) === dir) return undefined;
  }
}
