// Builds the operator dashboard (ui/src → ui/dist): one minified JS bundle and one CSS file, every dependency
// bundled from node_modules (no CDN), plus index.html. Run by `npm run build` after `nest build`.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = dirname(fileURLToPath(import.meta.url));
// Into the app's own dist/ (after `nest build` emptied it), so whatever ships dist/ ships the dashboard.
const out = join(root, '..', 'dist', 'ui');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

await build({
  entryPoints: { app: join(root, 'src', 'main.tsx') },
  outdir: out,
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['chrome110', 'firefox115', 'safari16'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'linked',
  sourcemap: false,
  logLevel: 'warning',
});
copyFileSync(join(root, 'src', 'index.html'), join(out, 'index.html'));

const js = readFileSync(join(out, 'app.js'));
const css = readFileSync(join(out, 'app.css'));
if (!process.argv.includes('--quiet')) {
  console.log(
    `ui: app.js ${(js.length / 1024).toFixed(1)} KB (${(gzipSync(js).length / 1024).toFixed(1)} KB gzipped), ` +
      `app.css ${(css.length / 1024).toFixed(1)} KB (${(gzipSync(css).length / 1024).toFixed(1)} KB gzipped)`,
  );
}
