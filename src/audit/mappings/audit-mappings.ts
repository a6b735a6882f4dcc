import type { AuditMapping } from './audit-mapping';
import { EXECUTION_AUDIT } from './execution.audit-mapping';
import { OPERATOR_AUDIT } from './operator.audit-mapping';
import { RECOVERY_AUDIT } from './recovery.audit-mapping';
import { RISK_AUDIT } from './risk.audit-mapping';

/** Every audited event. An event missing here is not audited: add its mapping beside its publisher's peers. */
export const AUDIT_MAPPINGS: AuditMapping = { ...OPERATOR_AUDIT, ...EXECUTION_AUDIT, ...RISK_AUDIT, ...RECOVERY_AUDIT };
