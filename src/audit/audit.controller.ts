import { Controller, Get, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ErrorResponseDto } from '../infra/http/error-response.dto';
import { toAuditListResponse, toAuditQuery, toAuditVerifyResponse } from './audit.mapper';
import { AuditService } from './audit.service';
import { AuditListResponseDto } from './dto/audit-list-response.dto';
import { AuditQueryDto } from './dto/audit-query.dto';
import { AuditVerifyResponseDto } from './dto/audit-verify-response.dto';
import { SecurityEventCountDto, SecurityEventsResponseDto } from './dto/security-events.dto';
import { SECURITY_EVENT_RETENTION_DAYS, SecurityEventsService } from './security-events.service';
import { LimitQueryDto } from '../infra/http/limit-query.dto';

@ApiTags('audit')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorResponseDto })
@Controller('audit')
export class AuditController {
  constructor(
    private readonly audit: AuditService,
    private readonly securityCounts: SecurityEventsService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The audit trail, newest first; filters combine with AND; limit defaults to 100' })
  @ApiOkResponse({ type: AuditListResponseDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'A filter is malformed; the message names it' })
  async list(@Query() query: AuditQueryDto): Promise<AuditListResponseDto> {
    return toAuditListResponse(await this.audit.page(toAuditQuery(query)));
  }

  @Get('verify')
  @ApiOperation({
    summary: 'Re-hash the tamper-evident audit chain in the database and report its first broken link',
    description:
      'Each audit row carries sha256(content, chain_seq, previous row hash), computed by a database trigger. ' +
      'A row edited, deleted or re-ordered by anyone bypassing the append-only triggers shows up here. ' +
      'Re-hashes the whole table in the database: about 10 s per 100 000 rows on a small 2-core machine.',
  })
  @ApiOkResponse({ type: AuditVerifyResponseDto, description: 'ok=false names the first broken link' })
  async verify(): Promise<AuditVerifyResponseDto> {
    return toAuditVerifyResponse(await this.audit.verifyChain());
  }

  @Get('security-events')
  @ApiOperation({
    summary: `Failed and throttled logins of unauthenticated callers, counted per address and minute (kept ${SECURITY_EVENT_RETENTION_DAYS} days); limit defaults to 100`,
  })
  @ApiOkResponse({ type: SecurityEventsResponseDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  async securityEvents(@Query() { limit }: LimitQueryDto): Promise<SecurityEventsResponseDto> {
    return { items: (await this.securityCounts.recent(limit ?? 100)).map((c) => SecurityEventCountDto.from(c)) };
  }
}
