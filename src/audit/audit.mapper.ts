import { AuditLogEntity } from './audit-log.entity';
import { AuditQuery } from './audit.repository';
import { AuditPage } from './audit.service';
import { AuditQueryDto } from './dto/audit-query.dto';
import { AuditChainReport } from './audit-chain.verifier';
import { AuditVerifyResponseDto } from './dto/audit-verify-response.dto';
import { AuditListResponseDto, AuditRowDto } from './dto/audit-list-response.dto';

const DEFAULT_LIMIT = 100;

/** Wire filters (validated) to the repository's; `from`/`to` are valid timestamps by then. */
export function toAuditQuery(dto: AuditQueryDto): AuditQuery & { limit: number; offset: number } {
  return {
    entityType: dto.entityType,
    entityId: dto.entityId,
    action: dto.action,
    traceId: dto.traceId,
    success: dto.success,
    from: dto.from === undefined ? undefined : new Date(dto.from),
    to: dto.to === undefined ? undefined : new Date(dto.to),
    limit: dto.limit ?? DEFAULT_LIMIT,
    offset: dto.offset ?? 0,
  };
}

export function toAuditListResponse(page: AuditPage): AuditListResponseDto {
  return { items: page.rows.map(toAuditRowDto), limit: page.limit, offset: page.offset, total: page.total };
}

function toAuditRowDto(row: AuditLogEntity): AuditRowDto {
  return {
    id: row.id,
    timestamp: row.timestamp.toISOString(),
    action: row.action,
    entityType: row.entityType,
    entityId: row.entityId,
    actor: row.actor,
    oldValue: row.oldValue,
    newValue: row.newValue,
    context: row.context,
    reason: row.reason,
    traceId: row.traceId,
    success: row.success,
    errorMessage: row.errorMessage,
  };
}

export function toAuditVerifyResponse(report: AuditChainReport): AuditVerifyResponseDto {
  return { ok: report.ok, rows: report.rows, head: report.head, firstBroken: report.firstBroken };
}
