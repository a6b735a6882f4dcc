/**
 * The DI token of the execution store port (domain/execution-store.ts, an interface): bound to
 * TypeOrmExecutionStore in ExecutionModule.
 */
export const EXECUTION_STORE = Symbol('ExecutionStore');
