import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** `?limit=` for list endpoints: an integer 1..1000 (the endpoint picks its default). */
export class LimitQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be an integer' })
  @Min(1)
  @Max(1000)
  limit?: number;
}

/** `?limit=` as an integer 1..max (documented default), for list endpoints with their own bound. */
export function PageLimit(max: number, defaultValue: number, description?: string): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ minimum: 1, maximum: max, default: defaultValue, description }),
    IsOptional(),
    Type(() => Number),
    IsInt({ message: 'limit must be an integer' }),
    Min(1),
    Max(max),
  );
}

/** `?offset=`: rows to skip, an integer ≥ 0 (default 0). */
export function PageOffset(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ minimum: 0, default: 0 }),
    IsOptional(),
    Type(() => Number),
    IsInt({ message: 'offset must be an integer' }),
    Min(0),
    Max(Number.MAX_SAFE_INTEGER),
  );
}
