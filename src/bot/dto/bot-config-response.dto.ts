import { ApiProperty } from '@nestjs/swagger';

export class BotConfigResponseDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }], nullable: true },
    description: 'Effective configuration by variable name; secrets are replaced by ******** and unset values are null',
    example: { PORT: 8000, BYBIT_ENV: 'sim', SECRET_KEY: '********' },
  })
  config: Record<string, string | number | boolean | null>;
}
