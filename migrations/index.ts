import { InitialSchema1764000000000 } from './1764000000000-initial-schema';
import { AuthCredentials1764000000100 } from './1764000000100-auth-credentials';
import { AuditReconciliationRun1764000000200 } from './1764000000200-audit-reconciliation-run';
import { RiskState1764000000300 } from './1764000000300-risk-state';
import { PositionExitTracking1764000000400 } from './1764000000400-position-exit-tracking';
import { AuditSymbolOwnership1764000000500 } from './1764000000500-audit-symbol-ownership';
import { AuditHashChain1764000000700 } from './1764000000700-audit-hash-chain';
import { OrdersExchangeOrderIdNotUnique1764000000800 } from './1764000000800-orders-exchange-order-id-not-unique';
import { SecurityEventCounts1764000000900 } from './1764000000900-security-event-counts';
import { LeastPrivilegeAppRole1764000000910 } from './1764000000910-least-privilege-app-role';

/** Every migration in order; a merged migration is never edited, a change is a new file appended here. */
export const MIGRATIONS = [
  InitialSchema1764000000000,
  AuthCredentials1764000000100,
  AuditReconciliationRun1764000000200,
  RiskState1764000000300,
  PositionExitTracking1764000000400,
  AuditSymbolOwnership1764000000500,
  AuditHashChain1764000000700,
  OrdersExchangeOrderIdNotUnique1764000000800,
  SecurityEventCounts1764000000900,
  LeastPrivilegeAppRole1764000000910,
];
