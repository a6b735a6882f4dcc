import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditLogEntity } from './audit-log.entity';
import { AuditController } from './audit.controller';
import { AuditRepository } from './audit.repository';
import { AuditService } from './audit.service';
import { ConfigChangeAuditor } from './config-change.auditor';
import { SecurityEventsService } from './security-events.service';

/**
 * The append-only audit trail, fed by domain events on the global EventBus (EventsModule) and by the
 * configuration check at start, and read through GET /audit. Nobody imports it to write; metrics read its failure count.
 */
@Module({
  imports: [TypeOrmModule.forFeature([AuditLogEntity])],
  controllers: [AuditController],
  providers: [AuditRepository, AuditService, ConfigChangeAuditor, SecurityEventsService],
  exports: [AuditService],
})
export class AuditModule {}
