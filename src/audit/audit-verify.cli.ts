import { DataSource } from 'typeorm';
import { loadAppConfig } from '../infra/config/app-config';
import { dataSourceOptions } from '../infra/database/data-source';
import { resolveDatabase } from '../infra/database/database-url';
import { verifyAuditChain } from './audit-chain.verifier';
import { toAuditVerifyResponse } from './audit.mapper';

/**
 * `npm run audit:verify`: re-hashes the audit chain against DATABASE_URL (or the embedded server) and prints the
 * report as JSON (the body GET /audit/verify answers). Exit code 0 when intact, 2 when a link is broken, 1 when the check could not run.
 */
async function main(): Promise<number> {
  const config = loadAppConfig(process.env);
  const database = await resolveDatabase(config);
  const source = new DataSource(dataSourceOptions(database.url, 1));
  try {
    await source.initialize();
    const runner = source.createQueryRunner();
    await runner.connect();
    const report = await verifyAuditChain((sql, parameters) => runner.query(sql, parameters)).finally(() =>
      runner.release(),
    );
    // The same JSON as GET /audit/verify.
    console.log(JSON.stringify(toAuditVerifyResponse(report), null, 2));
    if (!report.ok && report.firstBroken) {
      const { seq, id, reason } = report.firstBroken;
      console.error(`audit chain broken at chain_seq ${seq}${id === null ? '' : ` (audit_logs.id ${id})`}: ${reason}`);
    }
    return report.ok ? 0 : 2;
  } finally {
    if (source.isInitialized) await source.destroy();
    await database.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
