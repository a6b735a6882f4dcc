import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { getRepositoryToken, TypeOrmModule } from '@nestjs/typeorm';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, Repository } from 'typeorm';
import { AuthCredentials1764000000100 } from '../../../migrations/1764000000100-auth-credentials';
import { createTestDatabase, TestDatabase } from '../../support/database';
import { AppConfig, loadAppConfig } from '../../../src/infra/config/app-config';
import { APP_CONFIG } from '../../../src/infra/config/config.module';
import { dataSourceOptions } from '../../../src/infra/database/data-source';
import {
  AuthCredentialsRepository,
  AuthCredentialsTypeormRepository,
} from '../../../src/auth/auth-credentials.repository';
import { AuthCredentialsEntity } from '../../../src/auth/entities/auth-credentials.entity';
import { InitialCredentialsBootstrap } from '../../../src/auth/initial-credentials.bootstrap';
import { BcryptPasswordHasher, PasswordHasher } from '../../../src/auth/password-hasher';

/*
 * Real: PostgreSQL with every migration applied, TypeORM, bcrypt (cost 4 for speed). Faked: nothing.
 * Lives beside the code because the auth module owns no test/integration folder yet; it is an integration spec.
 */
const INITIAL_PASSWORD = 'initial-password-1';
const hasher = new BcryptPasswordHasher(4);

function configWith(env: Record<string, string>): AppConfig {
  return loadAppConfig(
    { SECRET_KEY: 'k'.repeat(64), DATA_DIR: mkdtempSync(join(tmpdir(), 'auth-int-')), ...env },
    { dotenvPath: false },
  );
}

afterAll(() => hasher.onModuleDestroy());

describe(AuthCredentialsTypeormRepository.name, () => {
  let database: TestDatabase;
  let source: DataSource;
  let rows: Repository<AuthCredentialsEntity>;
  let sut: AuthCredentialsTypeormRepository;

  beforeAll(async () => {
    database = await createTestDatabase({ migrated: true });
    source = await new DataSource({
      ...dataSourceOptions(database.url, 4),
      entities: [AuthCredentialsEntity],
    }).initialize();
    rows = source.getRepository(AuthCredentialsEntity);
    sut = new AuthCredentialsTypeormRepository(rows);
  });
  afterAll(async () => {
    await source?.destroy();
    await database?.drop();
  });
  beforeEach(() => source.query('DELETE FROM auth_credentials'));

  const aHash = () => hasher.hash(INITIAL_PASSWORD);

  it('should find nothing in a fresh database', async () => {
    expect(await sut.find()).toBeNull();
    expect(await sut.currentVersion()).toBeNull();
  });

  it('should insert version 1 once, however many instances try at the same time', async () => {
    const hashes = await Promise.all([aHash(), aHash(), aHash(), aHash()]);

    const created = await Promise.all(hashes.map((hash) => sut.insertInitial(hash)));

    expect(created.filter(Boolean)).toHaveLength(1);
    const stored = await sut.find();
    expect(stored).toMatchObject({ passwordVersion: 1, passwordHash: hashes[created.indexOf(true)] });
    expect(stored?.changedAt).toBeInstanceOf(Date);
    expect(await sut.currentVersion()).toBe(1);
  });

  it('should replace the hash and bump the version only from the expected version', async () => {
    await sut.insertInitial(await aHash());
    const newHash = await hasher.hash('another-password-2');

    expect(await sut.replacePassword(1, newHash)).toBe(2);
    expect(await sut.replacePassword(1, await aHash())).toBeNull(); // a concurrent change that read version 1

    expect(await sut.find()).toMatchObject({ passwordVersion: 2, passwordHash: newHash });
  });

  it('should let exactly one of two concurrent changes win', async () => {
    await sut.insertInitial(await aHash());
    const [a, b] = [await hasher.hash('change-number-a'), await hasher.hash('change-number-b')];

    const results = await Promise.all([sut.replacePassword(1, a), sut.replacePassword(1, b)]);

    expect(results.sort()).toEqual([2, null]);
    expect(await sut.currentVersion()).toBe(2);
  });

  describe('schema (migration 1764000000100)', () => {
    it('should refuse a second row', async () => {
      await sut.insertInitial(await aHash());

      await expect(
        source.query(`INSERT INTO auth_credentials (id, password_hash, password_version) VALUES (2, $1, 1)`, [
          await aHash(),
        ]),
      ).rejects.toThrow(/ck_auth_credentials_singleton/);
    });

    it('should refuse something that is not a bcrypt hash (a plaintext password by mistake)', async () => {
      await expect(sut.insertInitial(INITIAL_PASSWORD)).rejects.toThrow(/ck_auth_credentials_bcrypt_hash/);
    });

    it('should drop the table on down and recreate it on up', async () => {
      const runner = source.createQueryRunner();
      try {
        await new AuthCredentials1764000000100().down(runner);
        expect(await runner.hasTable('auth_credentials')).toBe(false);

        await new AuthCredentials1764000000100().up(runner);
        expect(await runner.hasTable('auth_credentials')).toBe(true);
      } finally {
        await runner.release();
      }
    });
  });
});

describe(InitialCredentialsBootstrap.name, () => {
  let database: TestDatabase;
  let warnings: string[];
  let infos: string[];

  beforeEach(async () => {
    database = await createTestDatabase({ migrated: true });
    warnings = [];
    infos = [];
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => void warnings.push(String(message)));
    jest.spyOn(Logger.prototype, 'log').mockImplementation((message: unknown) => void infos.push(String(message)));
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await database.drop();
  });

  /** One "instance": the auth persistence providers over the test database, booted through Nest. */
  async function bootInstance(config: AppConfig) {
    const moduleRef = await Test.createTestingModule({
      imports: [
        TypeOrmModule.forRoot({ ...dataSourceOptions(database.url, 2), entities: [AuthCredentialsEntity] }),
        TypeOrmModule.forFeature([AuthCredentialsEntity]),
      ],
      providers: [
        InitialCredentialsBootstrap,
        { provide: APP_CONFIG, useValue: config },
        { provide: AuthCredentialsRepository, useClass: AuthCredentialsTypeormRepository },
        { provide: PasswordHasher, useValue: hasher },
      ],
    }).compile();
    await moduleRef.init(); // runs onModuleInit, as at application start
    return {
      credentials: moduleRef.get(AuthCredentialsRepository),
      rows: moduleRef.get<Repository<AuthCredentialsEntity>>(getRepositoryToken(AuthCredentialsEntity)),
      close: () => moduleRef.close(),
    };
  }

  it('should seed the hash of APP_PASSWORD as version 1 on first start', async () => {
    const instance = await bootInstance(configWith({ APP_PASSWORD: INITIAL_PASSWORD }));
    try {
      const stored = await instance.credentials.find();

      expect(stored?.passwordVersion).toBe(1);
      expect(await hasher.verify(INITIAL_PASSWORD, stored?.passwordHash ?? '')).toBe(true);
    } finally {
      await instance.close();
    }
  });

  it('should leave one row when several instances start together', async () => {
    const config = configWith({ APP_PASSWORD: INITIAL_PASSWORD });

    const instances = await Promise.all([bootInstance(config), bootInstance(config), bootInstance(config)]);
    try {
      expect(await instances[0].rows.count()).toBe(1);
      expect(await instances[0].credentials.currentVersion()).toBe(1);
    } finally {
      await Promise.all(instances.map((instance) => instance.close()));
    }
  });

  it('should keep a password changed through the API across restarts and say that APP_PASSWORD is ignored', async () => {
    const config = configWith({ APP_PASSWORD: INITIAL_PASSWORD });
    const first = await bootInstance(config);
    await first.credentials.replacePassword(1, await hasher.hash('changed-through-api'));
    await first.close();

    const second = await bootInstance(config);
    try {
      const stored = await second.credentials.find();

      expect(stored?.passwordVersion).toBe(2);
      expect(await hasher.verify('changed-through-api', stored?.passwordHash ?? '')).toBe(true);
      expect(warnings.some((w) => w.includes('APP_PASSWORD differs from the stored password'))).toBe(true);
    } finally {
      await second.close();
    }
  });

  it('should point at the generated password file without ever logging the password', async () => {
    const config = configWith({}); // no APP_PASSWORD: sim mode generates one under DATA_DIR

    const instance = await bootInstance(config);
    try {
      expect(config.auth.initialPasswordGenerated).toBe(true);
      expect(warnings.some((w) => w.includes(join(config.app.dataDir, 'initial_password')))).toBe(true);
      expect([...warnings, ...infos].some((line) => line.includes(config.auth.initialPassword))).toBe(false);
      expect(
        await hasher.verify(config.auth.initialPassword, (await instance.credentials.find())?.passwordHash ?? ''),
      ).toBe(true);
    } finally {
      await instance.close();
    }
  });
});
