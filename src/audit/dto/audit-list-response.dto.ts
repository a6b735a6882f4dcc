import { ApiProperty } from '@nestjs/swagger';
import { AUDIT_ACTIONS, AuditAction } from '../audit-log.entity';

const JSON_VALUE = { type: 'object', additionalProperties: true, nullable: true } as const;

/** One audit row as stored; old/new values and context are whatever JSON the operation recorded. */
export class AuditRowDto {
  @ApiProperty({ example: '42', description: 'bigint identity as a decimal string' }) id: string;
  @ApiProperty({ format: 'date-time' }) timestamp: string;
  @ApiProperty({ enum: AUDIT_ACTIONS }) action: AuditAction;
  @ApiProperty({ example: 'order' }) entityType: string;
  @ApiProperty({ type: String, nullable: true }) entityId: string | null;
  @ApiProperty({ example: 'operator', description: 'operator, system, bot, recovery, or a client address' })
  actor: string;
  @ApiProperty({ ...JSON_VALUE, description: 'State before the operation' }) oldValue: unknown;
  @ApiProperty({ ...JSON_VALUE, description: 'State after the operation' }) newValue: unknown;
  @ApiProperty({ ...JSON_VALUE, description: 'Signal, market and indicator context, or what else explains it' })
  context: unknown;
  @ApiProperty({ type: String, nullable: true }) reason: string | null;
  @ApiProperty({ type: String, nullable: true }) traceId: string | null;
  @ApiProperty() success: boolean;
  @ApiProperty({ type: String, nullable: true }) errorMessage: string | null;
}

export class AuditListResponseDto {
  @ApiProperty({ type: [AuditRowDto], description: 'Newest first' }) items: AuditRowDto[];
  @ApiProperty({ minimum: 1, maximum: 1000 }) limit: number;
  @ApiProperty({ minimum: 0 }) offset: number;
  @ApiProperty({ description: 'Rows matching the filters, across all pages' }) total: number;
}
