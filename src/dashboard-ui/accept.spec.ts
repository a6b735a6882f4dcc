import { prefersHtml } from './accept';

describe('prefersHtml (GET / content negotiation)', () => {
  it.each([
    ['text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8', true],
    ['text/html', true],
    ['application/xhtml+xml', true],
    ['application/json;q=0.5, text/html', true],
  ])('serves the dashboard to %s', (accept, expected) => expect(prefersHtml(accept)).toBe(expected));

  it.each([
    [undefined],
    [''],
    ['*/*'],
    ['application/json'],
    ['application/json, text/html'],
    ['text/html;q=0.4, application/json'],
    ['text/html;q=0'],
    ['text/html;q=abc'],
  ])('keeps JSON for %s', (accept) => expect(prefersHtml(accept)).toBe(false));
});
