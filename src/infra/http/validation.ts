import { ValidationError, ValidationPipe } from '@nestjs/common';
import { DomainError } from '../../common/domain-error';

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

/** Unknown fields are refused rather than ignored, so a typo in a request is reported instead of silently dropped. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: false,
    exceptionFactory: (errors) => new RequestValidationError(flattenValidationErrors(errors)),
  });
}
