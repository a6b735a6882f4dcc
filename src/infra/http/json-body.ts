import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isUtf8 } from 'node:buffer';

/**
 * Deepest nesting of objects/arrays a request body may have. The DTOs of this API are at most a few levels deep;
 * the limit only has to stop depth bombs (`[[[[…]]]]`, 10,000+ levels in a few KB), which overflow the stack of
 * every recursive walk after parsing (class-transformer, class-validator, canonical hashing) and hold the event
 * loop for hundreds of milliseconds before they do.
 */
export const MAX_JSON_DEPTH = 32;

/** A client error Fastify and the exception filter both understand (statusCode 400, a stable code). */
export class JsonBodyError extends Error {
  readonly statusCode = 400;
  readonly code = 'INVALID_JSON_BODY';
}

const STRUCTURE = /[[\]{}"]/g;
const STRING_END = /["\\]/g;

/**
 * Whether a JSON text nests objects/arrays deeper than `limit`: one pass, no recursion, no allocation. It jumps
 * from one structural character to the next with native regex scans (a long string is skipped in one step), so a
 * 1 MB body costs about a millisecond whatever its shape. Brackets inside strings do not count; escapes are
 * honoured. Syntax is not checked here (JSON.parse does that next).
 */
export function exceedsJsonDepth(text: string, limit: number): boolean {
  let depth = 0;
  let i = 0;
  for (;;) {
    STRUCTURE.lastIndex = i;
    const found = STRUCTURE.exec(text);
    if (found === null) return false;
    i = found.index + 1;
    const c = text.charCodeAt(found.index);
    if (c === 0x22 /* " */) {
      // Inside a string: skip to its closing quote, stepping over escapes.
      for (;;) {
        STRING_END.lastIndex = i;
        const end = STRING_END.exec(text);
        if (end === null) return false;
        i = end.index + 1;
        if (text.charCodeAt(end.index) === 0x22) break;
        i += 1; // the escaped character
      }
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > limit) return true;
    } else {
      depth--;
    }
  }
}

type Done = (error: Error | null, body?: unknown) => void;

/**
 * Replaces Fastify's body parsers with one for `application/json` (any charset/suffix parameters) that refuses
 * bodies nested deeper than MAX_JSON_DEPTH with a 400 before JSON.parse, then parses with Fastify's own
 * prototype-poisoning-safe parser. Every other media type (text/plain, forms, …) has no parser, so Fastify
 * answers 415: this API only takes JSON. Pass `bodyParser: false` to Nest so it does not add its own.
 */
export function registerJsonBodyParser(fastify: FastifyInstance, maxDepth = MAX_JSON_DEPTH): void {
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer' },
    (request: FastifyRequest, body: string | Buffer, done: Done) => {
      // Decoding would silently turn invalid bytes into U+FFFD: refuse them instead, the client sent garbage.
      if (typeof body !== 'string' && !isUtf8(body)) {
        done(new JsonBodyError('Request body is not valid UTF-8'));
        return;
      }
      const text = typeof body === 'string' ? body : body.toString('utf8');
      if (exceedsJsonDepth(text, maxDepth)) {
        done(new JsonBodyError(`Request body is nested deeper than ${maxDepth} levels`));
        return;
      }
      void parseJson(request, text, done);
    },
  );
}
