import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  buildMessage,
  IsBoolean,
  IsIn,
  IsInt,
  isISO8601,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidationOptions,
} from 'class-validator';
import { LimitQueryDto } from '../../infra/http/limit-query.dto';
import { AUDIT_ACTIONS, AuditAction } from '../audit-log.entity';

// PostgreSQL refuses a NUL byte in text, so control characters are turned away here as a 400 rather than a 500.
const NO_CONTROL_CHARACTERS = /^[^\p{Cc}]+$/u;

// timestamptz has no year 0 and JavaScript dates stop at year 275760: keep to the range both read alike.
const EARLIEST_MS = Date.parse('0001-01-01T00:00:00Z');
const LATEST_MS = Date.parse('9999-12-31T23:59:59.999Z');

/** An ISO-8601 date or date-time that JavaScript parses to the same instant PostgreSQL would. */
export function isAuditTimestamp(value: unknown): value is string {
  if (typeof value !== 'string' || !isISO8601(value, { strict: true, strictSeparator: true })) return false;
  const ms = Date.parse(value);
  return ms >= EARLIEST_MS && ms <= LATEST_MS;
}

function IsAuditTimestamp(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isAuditTimestamp',
      validator: {
        validate: (value) => isAuditTimestamp(value),
        defaultMessage: buildMessage(
          (each) => `${each}$property must be an ISO-8601 timestamp such as 2025-01-31T12:00:00Z`,
          options,
        ),
      },
    },
    options,
  );
}

/** The property is not earlier than `other`; only checked when both are valid timestamps (else they report). */
function IsNotEarlierThan(other: string, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isNotEarlierThan',
      constraints: [other],
      validator: {
        validate: (value, args) => {
          const bound = (args?.object as Record<string, unknown> | undefined)?.[other];
          return !isAuditTimestamp(value) || !isAuditTimestamp(bound) || Date.parse(value) >= Date.parse(bound);
        },
        defaultMessage: buildMessage((each) => `${each}$property must not be earlier than ${other}`, options),
      },
    },
    options,
  );
}

/** Query strings carry text: only the words true and false are booleans, anything else stays to be refused. */
const toBoolean = ({ value }: { value: unknown }): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;

/** An optional exact-match text filter on a column of `maxLength` characters. */
function IsAuditText(name: string, maxLength: number): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ maxLength }),
    IsOptional(),
    IsString({ message: `${name} must be a string` }),
    MaxLength(maxLength),
    Matches(NO_CONTROL_CHARACTERS, { message: `${name} must be non-empty text without control characters` }),
  );
}

/** GET /audit filters; all optional and combined with AND. Lengths are the columns' own. */
export class AuditQueryDto extends LimitQueryDto {
  @ApiPropertyOptional({
    example: 'order',
    description: 'order, position, risk, bot, auth, config, reconciliation, circuit_breaker',
  })
  @IsAuditText('entityType', 32)
  entityType?: string;

  @ApiPropertyOptional({ example: '8f14e45f-ceea-467f-a0e6-7bdbd9c1d3f1' })
  @IsAuditText('entityId', 64)
  entityId?: string;

  @ApiPropertyOptional({ enum: AUDIT_ACTIONS })
  @IsOptional()
  @IsIn(AUDIT_ACTIONS, { message: `action must be one of ${AUDIT_ACTIONS.join(', ')}` })
  action?: AuditAction;

  @ApiPropertyOptional({ example: '4bf92f3577b34da6a3ce929d0e0e4736' })
  @IsAuditText('traceId', 64)
  traceId?: string;

  @ApiPropertyOptional({ type: Boolean, description: 'true or false' })
  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'success must be true or false' })
  success?: boolean;

  @ApiPropertyOptional({ format: 'date-time', example: '2025-01-31T00:00:00Z', description: 'Inclusive lower bound' })
  @IsOptional()
  @IsAuditTimestamp()
  from?: string;

  @ApiPropertyOptional({
    format: 'date-time',
    example: '2025-02-01T00:00:00Z',
    description: 'Exclusive upper bound; not earlier than from',
  })
  @IsOptional()
  @IsAuditTimestamp()
  @IsNotEarlierThan('from')
  to?: string;

  @ApiPropertyOptional({ minimum: 0, default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'offset must be an integer' })
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  offset?: number;
}
