/**
 * Content negotiation for `GET /`: does this Accept header ask for a web page rather than JSON? A browser's
 * navigation sends `text/html,…,*\/*;q=0.8`; curl and fetch() send `*\/*` and API clients `application/json`, and
 * those keep getting the JSON service description. HTML wins only when it is named and weighs more than JSON
 * (wildcards count for neither, so a tie or `*\/*` alone stays JSON).
 */
export function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  let html = 0;
  let json = 0;
  for (const part of accept.split(',')) {
    const [rawType, ...params] = part.trim().toLowerCase().split(';');
    const type = rawType?.trim();
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    const weight = Number.isFinite(q) ? Math.min(Math.max(q, 0), 1) : 0;
    if (type === 'text/html' || type === 'application/xhtml+xml') html = Math.max(html, weight);
    else if (type === 'application/json') json = Math.max(json, weight);
  }
  return html > json;
}
