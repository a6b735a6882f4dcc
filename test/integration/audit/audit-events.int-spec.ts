import { Logger } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { AuditLogEntity } from '../../../src/audit/audit-log.entity';
import { AuditModule } from '../../../src/audit/audit.module';
import { AuditRepository } from '../../../src/audit/audit.repository';
import { AuditService } from '../../../src/audit/audit.service';
import { TimeModule } from '../../../src/infra/time/time.module';
import { AppConfig, loadAppConfig, MASK } from '../../../src/infra/config/app-config';
import { ConfigModule } from '../../../src/infra/config/config.module';
import { dataSourceOptions } from '../../../src/infra/database/data-source';
import { EventBus } from '../../../src/infra/events/event-bus';
import { EventsModule } from '../../../src/infra/events/events.module';
import { DomainEventName, DomainEvents } from '../../../src/infra/events/domain-events';
import type { TradeContext } from '../../../src/execution/execution.events';
import { createTestDatabase, TestDatabase } from '../../support/database';
import { anOrderView, aPositionView } from '../../factories/execution-views.factory';

/*
 * Real: PostgreSQL with every migration (enum values, append-only triggers), TypeORM, the Nest wiring of
 * AuditModule (its event subscriptions and the configuration check at bootstrap), the in-process EventBus.
 * Faked: nothing; events are published by hand with the payloads the trading modules send.
 */
const APP_PASSWORD = 'audit-int-password-never-stored';
const SECRET_KEY = 's'.repeat(40) + '-audit-int-secret';
const BYBIT_API_SECRET = 'bybit-secret-never-stored';

const ORDER_ID = '0b8f3c2e-6c1a-4a7e-9d6f-1f2e3d4c5b6a';
const POSITION_ID = '5d7e9f10-2a3b-4c5d-8e9f-0a1b2c3d4e5f';

const ENTRY_CONTEXT: TradeContext = {
  signal: { id: 'sig-7f3a', type: 'imbalance', strength: 0.82, reason: 'bid imbalance 3.4x' },
  market: { bestBid: '64250.4', bestAsk: '64250.5', spread: '0.1', midPrice: '64250.45' },
  indicators: { imbalance: 3.4, rsi14: 41.2, vwapDeviation: -0.0004 },
};
const EXIT_CONTEXT: TradeContext = {
  signal: null,
  market: { bestBid: '64443.3', bestAsk: '64443.4', spread: '0.1', midPrice: '64443.35' },
  indicators: { imbalance: 0.7, rsi14: 63.9, vwapDeviation: 0.0021 },
};

function configFor(database: TestDatabase, dataDir: string, env: Record<string, string> = {}): AppConfig {
  return loadAppConfig(
    {
      APP_PASSWORD,
      SECRET_KEY,
      BYBIT_API_SECRET,
      DATABASE_URL: database.url,
      DATA_DIR: dataDir,
      LOG_STDOUT: 'false',
      ...env,
    },
    { dotenvPath: false },
  );
}

async function auditApp(database: TestDatabase, config: AppConfig): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      ConfigModule.forRoot(config),
      TypeOrmModule.forRoot({ ...dataSourceOptions(database.url, 4), autoLoadEntities: true }),
      EventsModule,
      TimeModule,
      AuditModule,
    ],
  }).compile();
  return moduleRef.init();
}

describe('audit rows from domain events', () => {
  let database: TestDatabase;
  let dataDir: string;
  let config: AppConfig;
  let moduleRef: TestingModule;
  let bus: EventBus;
  let audit: AuditRepository;
  let sql: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase({ migrated: true });
    dataDir = mkdtempSync(join(tmpdir(), 'audit-int-'));
    config = configFor(database, dataDir);
    moduleRef = await auditApp(database, config);
    bus = moduleRef.get(EventBus);
    audit = moduleRef.get(AuditRepository);
    sql = moduleRef.get(DataSource);
  });

  afterAll(async () => {
    await moduleRef?.close();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Publishes one event and returns the rows carrying its trace id, oldest first. */
  async function publishAndRead<K extends DomainEventName>(
    name: K,
    payload: DomainEvents[K] & { traceId: string },
  ): Promise<AuditLogEntity[]> {
    bus.publish(name, payload);
    await bus.drain();
    return (await audit.query({ traceId: payload.traceId })).reverse();
  }

  /** The columns an audit row is judged by (id and timestamp are the database's). */
  const essentials = (row: AuditLogEntity) => ({
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
  });

  describe('orders', () => {
    it('should write ORDER_CREATE with the order view and its signal, market and indicator context', async () => {
      const order = anOrderView();

      const rows = await publishAndRead('order.created', {
        traceId: 'tr-order-create',
        actor: 'bot',
        order,
        reason: 'imbalance entry',
        context: ENTRY_CONTEXT,
      });

      expect(rows.map(essentials)).toEqual([
        {
          action: 'ORDER_CREATE',
          entityType: 'order',
          entityId: ORDER_ID,
          actor: 'bot',
          oldValue: null,
          newValue: order,
          context: ENTRY_CONTEXT,
          reason: 'imbalance entry',
          traceId: 'tr-order-create',
          success: true,
          errorMessage: null,
        },
      ]);
    });

    it('should write ORDER_CANCEL with the outcome of the cancel request', async () => {
      const order = anOrderView({ status: 'Placed', exchangeOrderId: '1798736412' });

      const rows = await publishAndRead('order.cancel-requested', {
        traceId: 'tr-order-cancel-req',
        actor: 'operator',
        order,
        reason: 'manual cancel',
        success: false,
        error: 'order not exists or too late to cancel',
      });

      expect(rows.map(essentials)).toEqual([
        expect.objectContaining({
          action: 'ORDER_CANCEL',
          entityId: ORDER_ID,
          actor: 'operator',
          newValue: order,
          reason: 'manual cancel',
          success: false,
          errorMessage: 'order not exists or too late to cancel',
        }),
      ]);
    });

    it.each([
      ['Rejected', 'ORDER_REJECT', false, 'Insufficient available balance'],
      ['Failed', 'ORDER_REJECT', false, 'never reached the exchange'],
      ['Cancelled', 'ORDER_CANCEL', true, undefined],
      ['Placed', 'ORDER_STATUS_CHANGE', true, undefined],
      ['Filled', 'ORDER_STATUS_CHANGE', true, undefined],
    ] as const)('should write a status change to %s as %s (success %s)', async (to, action, success, error) => {
      const order = anOrderView({ status: to });
      const traceId = `tr-order-status-${to}`;

      const rows = await publishAndRead('order.status-changed', {
        traceId,
        actor: 'exchange',
        from: 'Pending',
        order,
        cause: `ws order ${to}`,
        error,
      });

      expect(rows.map(essentials)).toEqual([
        {
          action,
          entityType: 'order',
          entityId: ORDER_ID,
          actor: 'exchange',
          oldValue: { status: 'Pending' },
          newValue: order,
          context: null,
          reason: `ws order ${to}`,
          traceId,
          success,
          errorMessage: error ?? null,
        },
      ]);
    });

    it('should write ORDER_FILL with the order view and the execution', async () => {
      const order = anOrderView({ status: 'Filled', filledQuantity: '0.002', avgFillPrice: '64250.5', fee: '0.0257' });
      const fill = {
        execId: 'e-91c0',
        price: '64250.5',
        quantity: '0.002',
        fee: '0.0257',
        isMaker: true,
        executedAt: '2025-01-31T12:00:00.123Z',
      };

      const rows = await publishAndRead('order.filled', { traceId: 'tr-order-fill', actor: 'exchange', order, fill });

      expect(rows.map(essentials)).toEqual([
        expect.objectContaining({
          action: 'ORDER_FILL',
          entityId: ORDER_ID,
          newValue: { ...order, fill },
          success: true,
        }),
      ]);
    });
  });

  describe('positions', () => {
    it('should write POSITION_OPEN with the context at open', async () => {
      const position = aPositionView();

      const rows = await publishAndRead('position.opened', {
        traceId: 'tr-pos-open',
        actor: 'bot',
        position,
        context: ENTRY_CONTEXT,
      });

      expect(rows.map(essentials)).toEqual([
        expect.objectContaining({
          action: 'POSITION_OPEN',
          entityType: 'position',
          entityId: POSITION_ID,
          actor: 'bot',
          oldValue: null,
          newValue: position,
          context: ENTRY_CONTEXT,
        }),
      ]);
    });

    it('should write POSITION_UPDATE with the position before and after', async () => {
      const before = aPositionView();
      const position = aPositionView({ status: 'Closing' });

      const rows = await publishAndRead('position.updated', {
        traceId: 'tr-pos-update',
        actor: 'bot',
        before,
        position,
        cause: 'take profit hit',
      });

      expect(rows.map(essentials)).toEqual([
        expect.objectContaining({
          action: 'POSITION_UPDATE',
          entityId: POSITION_ID,
          oldValue: before,
          newValue: position,
          reason: 'take profit hit',
        }),
      ]);
    });

    it('should write POSITION_CLOSE with entry and exit context, the exit reason and the realised PnL', async () => {
      const position = aPositionView({
        status: 'Closed',
        exitPrice: '64443.35',
        realizedPnl: '0.3857',
        unrealizedPnl: '0',
        exitReason: 'TAKE_PROFIT',
      });

      const rows = await publishAndRead('position.closed', {
        traceId: 'tr-pos-close',
        actor: 'bot',
        position,
        entryContext: ENTRY_CONTEXT,
        exitContext: EXIT_CONTEXT,
      });

      expect(rows.map(essentials)).toEqual([
        expect.objectContaining({
          action: 'POSITION_CLOSE',
          entityId: POSITION_ID,
          newValue: expect.objectContaining({ realizedPnl: '0.3857', exitPrice: '64443.35', status: 'Closed' }),
          context: { entry: ENTRY_CONTEXT, exit: EXIT_CONTEXT },
          reason: 'TAKE_PROFIT',
          success: true,
        }),
      ]);
    });
  });

  describe('risk', () => {
    it('should write RISK_REJECTION as a failure under the signal id when the event has no trace id', async () => {
      const details = { openPositions: 3, maxOpenPositions: 3 };

      bus.publish('risk.rejected', {
        signalId: 'sig-risk-1',
        symbol: 'ETHUSDT',
        side: 'Sell',
        code: 'MAX_OPEN_POSITIONS',
        message: '3 of 3 positions open',
        details,
      });
      await bus.drain();
      const rows = await audit.query({ traceId: 'sig-risk-1' });

      expect(rows.map(essentials)).toEqual([
        {
          action: 'RISK_REJECTION',
          entityType: 'risk',
          entityId: 'ETHUSDT',
          actor: 'bot',
          oldValue: null,
          newValue: null,
          context: { signalId: 'sig-risk-1', side: 'Sell', details },
          reason: 'MAX_OPEN_POSITIONS',
          traceId: 'sig-risk-1',
          success: false,
          errorMessage: '3 of 3 positions open',
        },
      ]);
    });

    it('should write KILL_SWITCH_CHANGE with old and new state, the PnL and the limit', async () => {
      const rows = await publishAndRead('risk.kill-switch-changed', {
        traceId: 'tr-kill',
        actor: 'system',
        active: true,
        previous: false,
        reason: 'daily loss limit reached',
        dailyRealisedPnlUsdt: -50.25,
        maxDailyLossUsdt: 50,
      });

      expect(rows.map(essentials)).toEqual([
        {
          action: 'KILL_SWITCH_CHANGE',
          entityType: 'risk',
          entityId: 'kill-switch',
          actor: 'system',
          oldValue: { active: false },
          newValue: { active: true },
          context: { dailyRealisedPnlUsdt: -50.25, maxDailyLossUsdt: 50 },
          reason: 'daily loss limit reached',
          traceId: 'tr-kill',
          success: true,
          errorMessage: null,
        },
      ]);
    });
  });

  describe('recovery', () => {
    it('should write RECONCILIATION_FIX with the repaired entity and the discrepancy kind', async () => {
      const rows = await publishAndRead('recovery.discrepancy-fixed', {
        traceId: 'tr-recon-fix',
        kind: 'ORDER_STATUS_DRIFT',
        entityType: 'order',
        entityId: ORDER_ID,
        symbol: 'BTCUSDT',
        oldValue: { status: 'Placed' },
        newValue: { status: 'Filled' },
        reason: 'filled on the exchange while the bot was down',
      });

      expect(rows.map(essentials)).toEqual([
        {
          action: 'RECONCILIATION_FIX',
          entityType: 'order',
          entityId: ORDER_ID,
          actor: 'recovery',
          oldValue: { status: 'Placed' },
          newValue: { status: 'Filled' },
          context: { kind: 'ORDER_STATUS_DRIFT', symbol: 'BTCUSDT' },
          reason: 'filled on the exchange while the bot was down',
          traceId: 'tr-recon-fix',
          success: true,
          errorMessage: null,
        },
      ]);
    });

    it.each([
      [true, undefined],
      [false, 'exchange unreachable'],
    ])('should write RECONCILIATION_RUN (success %s) with what the run fixed', async (success, error) => {
      const traceId = `tr-recon-run-${success}`;
      const fixes = { ORDER_NEVER_SENT: 1, MISSED_FILL: 2 };

      const rows = await publishAndRead('recovery.completed', {
        traceId,
        trigger: 'startup',
        durationMs: 412,
        fixes,
        success,
        error,
      });

      expect(rows.map(essentials)).toEqual([
        {
          action: 'RECONCILIATION_RUN',
          entityType: 'reconciliation',
          entityId: null,
          actor: 'recovery',
          oldValue: null,
          newValue: { trigger: 'startup', durationMs: 412, fixes },
          context: null,
          reason: 'startup',
          traceId,
          success,
          errorMessage: error ?? null,
        },
      ]);
    });
  });

  describe('operator events', () => {
    it('should write BOT_START, BOT_STOP, PASSWORD_CHANGE, LOGIN_FAILED and CIRCUIT_BREAKER_CHANGE', async () => {
      const actions = [
        await publishAndRead('bot.started', {
          traceId: 'tr-op-start',
          actor: 'operator',
          previous: 'stopped',
          mode: 'sim',
        }),
        await publishAndRead('bot.stopped', {
          traceId: 'tr-op-stop',
          actor: 'operator',
          previous: 'running',
          reason: 'manual',
        }),
        await publishAndRead('auth.password-changed', { traceId: 'tr-op-pw', actor: 'operator', passwordVersion: 2 }),
        // An authenticated principal's failed password check; anonymous login failures are counted instead.
        await publishAndRead('auth.password-check-failed', {
          traceId: 'tr-op-login',
          actor: 'operator',
          clientAddress: '203.0.113.7',
        }),
        await publishAndRead('exchange.breaker-changed', {
          traceId: 'tr-op-breaker',
          group: 'trade',
          state: 'OPEN',
          previous: 'CLOSED',
          reason: '5 failures',
          consecutiveFailures: 5,
          lastError: 'ETIMEDOUT',
        }),
      ].map((rows) => rows.map((r) => [r.action, r.success]));

      expect(actions).toEqual([
        [['BOT_START', true]],
        [['BOT_STOP', true]],
        [['PASSWORD_CHANGE', true]],
        [['LOGIN_FAILED', false]],
        [['CIRCUIT_BREAKER_CHANGE', false]],
      ]);
    });
  });

  describe('failed writes', () => {
    it('should log the event name and keep the publisher and later events unaffected when a row cannot be written', async () => {
      const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
      try {
        // entity_id is varchar(64): PostgreSQL refuses the insert.
        const tooLong = anOrderView({ id: 'x'.repeat(65) });

        expect(() =>
          bus.publish('order.created', { traceId: 'tr-write-fails', actor: 'bot', order: tooLong, reason: 'entry' }),
        ).not.toThrow();
        bus.publish('order.filled', {
          traceId: 'tr-after-failure',
          actor: 'bot',
          order: anOrderView({ status: 'Filled' }),
          fill: {
            execId: 'e-2',
            price: '1',
            quantity: '1',
            fee: '0',
            isMaker: false,
            executedAt: '2025-01-31T12:00:00Z',
          },
        });
        await bus.drain();

        expect(await audit.query({ traceId: 'tr-write-fails' })).toEqual([]);
        expect((await audit.query({ traceId: 'tr-after-failure' })).map((r) => r.action)).toEqual(['ORDER_FILL']);
        expect(logged).toHaveBeenCalledWith(
          expect.objectContaining({ event: 'order.created', action: 'ORDER_CREATE', traceId: 'tr-write-fails' }),
          'audit write for order.created failed',
        );
      } finally {
        logged.mockRestore();
      }
    });
  });

  describe('append-only', () => {
    it.each([
      ['UPDATE', `UPDATE audit_logs SET reason = 'rewritten' WHERE action = 'ORDER_CREATE'`],
      ['DELETE', `DELETE FROM audit_logs WHERE action = 'RECONCILIATION_RUN'`],
    ])('should refuse %s on the rows the handlers wrote', async (_label, statement) => {
      const before = await sql.query(`SELECT count(*)::int AS n, max(id) AS last FROM audit_logs`);

      await expect(sql.query(statement)).rejects.toThrow(/audit_logs is append-only/);
      expect(await sql.query(`SELECT count(*)::int AS n, max(id) AS last FROM audit_logs`)).toEqual(before);
    });
  });

  describe('configuration at start', () => {
    const configRows = () => audit.query({ action: 'CONFIG_CHANGE', limit: 1000 });

    it('should record the masked configuration as CONFIG_CHANGE on the first start, without any secret', async () => {
      const rows = await configRows();

      expect(rows.map(essentials)).toEqual([
        expect.objectContaining({
          action: 'CONFIG_CHANGE',
          entityType: 'config',
          actor: 'system',
          oldValue: null,
          newValue: JSON.parse(JSON.stringify(config.masked)),
          reason: 'first start',
          success: true,
        }),
      ]);
      expect(rows[0].newValue).toMatchObject({
        APP_PASSWORD: MASK,
        SECRET_KEY: MASK,
        BYBIT_API_SECRET: MASK,
        DATABASE_URL: MASK,
      });
      const stored = JSON.stringify(await sql.query(`SELECT * FROM audit_logs WHERE action = 'CONFIG_CHANGE'`));
      for (const secret of [APP_PASSWORD, SECRET_KEY, BYBIT_API_SECRET, database.url])
        expect(stored).not.toContain(secret);
    });

    it('should write nothing when restarted with the same configuration', async () => {
      const restarted = await auditApp(database, configFor(database, dataDir));
      await restarted.close();

      expect(await configRows()).toHaveLength(1);
    });

    it('should record the previous and the new configuration, naming what changed, when it changed', async () => {
      const [first] = await configRows();
      const changed = configFor(database, dataDir, { LOG_LEVEL: 'debug', MAX_OPEN_POSITIONS: '2' });

      const restarted = await auditApp(database, changed);
      await restarted.close();
      const rows = await configRows();

      expect(rows).toHaveLength(2);
      expect(essentials(rows[0])).toEqual(
        expect.objectContaining({
          oldValue: first.newValue,
          newValue: expect.objectContaining({ LOG_LEVEL: 'debug', MAX_OPEN_POSITIONS: 2 }),
          context: { changed: ['LOG_LEVEL', 'MAX_OPEN_POSITIONS'] },
          reason: 'configuration changed at start',
        }),
      );
    });
  });

  it('should stop writing once the module is closed', async () => {
    const closing = await auditApp(database, config);
    const closingBus = closing.get(EventBus);
    await closing.close();

    closingBus.publish('bot.started', {
      traceId: 'tr-after-close',
      actor: 'operator',
      previous: 'stopped',
      mode: 'sim',
    });
    await closingBus.drain();

    expect(await moduleRef.get(AuditService).list({ traceId: 'tr-after-close' })).toEqual([]);
  });
});
