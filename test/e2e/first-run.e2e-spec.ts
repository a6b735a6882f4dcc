import { request } from 'node:http';
import { startTestApp, TestApp } from '../support/app';

/** A GET with an explicit Host header, as a browser on the LAN sends it (fetch does not let a caller set Host). */
function getAs(url: string, host: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The docs a newcomer opens first, reached the way a self-hosted instance is: plain HTTP, a LAN host name. */
describe('Swagger UI over plain HTTP on a LAN host name', () => {
  let ctx: TestApp;
  beforeAll(async () => {
    ctx = await startTestApp();
  });
  afterAll(() => ctx.close());

  it('should serve /docs with a CSP that lets the browser load its scripts and styles over http', async () => {
    const host = `scalper.lan:${new URL(ctx.baseUrl).port}`;
    const page = await getAs(`${ctx.baseUrl}/docs`, host);
    expect(page.status).toBe(200);
    const csp = String(page.headers['content-security-policy']);
    // With upgrade-insecure-requests a browser fetches http://scalper.lan/... as https:// and the page stays blank.
    expect(csp).not.toContain('upgrade-insecure-requests');
    expect(csp).toMatch(/script-src 'self'/);
    expect(csp).toMatch(/style-src 'self'/);
    const assets = [...page.body.matchAll(/(?:src|href)="([^"]+\.(?:js|css))"/g)].map((m) => m[1]);
    expect(assets.length).toBeGreaterThanOrEqual(2);
    for (const asset of assets) {
      expect(asset).not.toMatch(/^https:/);
      const url = new URL(asset, `${ctx.baseUrl}/docs`).toString();
      expect({ asset, status: (await getAs(url, host)).status }).toEqual({ asset, status: 200 });
    }
  });
});
