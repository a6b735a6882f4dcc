import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions } from './data-source';

/**
 * The connection URL of that database, for the few things that need a session of their own outside TypeORM's
 * pool (session-level advisory locks: see ownership/).
 */
export const DATABASE_URL = Symbol('DATABASE_URL');

/**
 * TypeORM over the database main.ts resolved (external or embedded) and migrated before Nest started.
 * Entities are registered by the modules that own them (TypeOrmModule.forFeature).
 */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(url: string, poolSize: number): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [TypeOrmModule.forRoot({ ...dataSourceOptions(url, poolSize), autoLoadEntities: true })],
      providers: [{ provide: DATABASE_URL, useValue: url }],
      exports: [DATABASE_URL],
    };
  }
}
