import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { DomainError } from '../../common/domain-error';
import { UNSTORABLE_TEXT_MESSAGE, unstorableTextPaths } from './storable-text';

/** Bad input: a 400 whose message names every offending field and what it expects. */
export class RequestValidationError extends DomainError<'VALIDATION_FAILED'> {
  constructor(readonly fields: Readonly<Record<string, readonly string[]>>) {
    super(
      'VALIDATION_FAILED',
      'INVALID',
      Object.entries(fields)
        .map(([field, problems]) => `${field}: ${problems.join(', ')}`)
        .join('; '),
      { fields },
    );
  }
}

export function flattenValidationErrors(errors: ValidationError[], prefix = ''): Record<string, string[]> {
  const fields: Record<string, string[]> = {};
  for (const error of errors) {
    const path = prefix ? `${prefix}.${error.property}` : error.property;
    if (error.constraints) fields[path] = Object.values(error.constraints);
    Object.assign(fields, flattenValidationErrors(error.children ?? [], path));
  }
  return fields;
}

export const REPEATED_QUERY_MESSAGE = 'must be given at most once';

/**
 * class-validator's checks, preceded by two that every input needs and no DTO should have to repeat:
 * - text PostgreSQL can store (no NUL, no lone surrogate), in every string of a body, query or path, keys too;
 * - each query parameter at most once (`?limit=1&limit=2` is one message, not a type error plus range errors
 *   about an array the client never meant to send).
 */
export class EdgeValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type !== 'custom') {
      const fields: Record<string, string[]> = {};
      for (const path of unstorableTextPaths(value)) fields[path] = [UNSTORABLE_TEXT_MESSAGE];
      if (metadata.type === 'query' && value !== null && typeof value === 'object') {
        for (const [name, given] of Object.entries(value)) {
          if (Array.isArray(given)) fields[name] = [REPEATED_QUERY_MESSAGE];
        }
      }
      if (Object.keys(fields).length > 0) throw new RequestValidationError(fields);
    }
    return super.transform(value, metadata);
  }
}

/** Unknown fields are refused rather than ignored, so a typo in a request is reported instead of silently dropped. */
export function createValidationPipe(): ValidationPipe {
  return new EdgeValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => new RequestValidationError(flattenValidationErrors(errors)),
  });
}
