import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../infra/config/app-config';
import { APP_CONFIG } from '../infra/config/config.module';
import { AuthCredentialsRepository, AuthCredentialsTypeormRepository } from './auth-credentials.repository';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { AuthCredentialsEntity } from './entities/auth-credentials.entity';
import { InitialCredentialsBootstrap } from './initial-credentials.bootstrap';
import { jwtModuleOptions } from './jwt.options';
import { JWT_STRATEGY, JwtStrategy } from './jwt.strategy';
import { GlobalLoginBudget } from './global-login-budget';
import { LoginRequestHook } from './login-request.hook';
import { LoginThrottle } from './login-throttle';
import { BCRYPT_COST, BcryptPasswordHasher, PasswordHasher } from './password-hasher';
import { PasswordVersionCache } from './password-version.cache';

/**
 * Login, password change, token verification. JwtAuthGuard itself is registered globally by AppModule (APP_GUARD);
 * it finds the 'jwt' passport strategy that JwtStrategy registers here. AuthService is exported for the /ws
 * gateway (verifyToken at connect).
 */
@Module({
  imports: [
    PassportModule.register({ defaultStrategy: JWT_STRATEGY, session: false }),
    JwtModule.registerAsync({ inject: [APP_CONFIG], useFactory: (config: AppConfig) => jwtModuleOptions(config) }),
    TypeOrmModule.forFeature([AuthCredentialsEntity]),
  ],
  controllers: [AuthController],
  providers: [
    AuthService,
    JwtStrategy,
    LoginThrottle,
    GlobalLoginBudget,
    PasswordVersionCache,
    InitialCredentialsBootstrap,
    LoginRequestHook,
    { provide: AuthCredentialsRepository, useClass: AuthCredentialsTypeormRepository },
    { provide: PasswordHasher, useFactory: () => new BcryptPasswordHasher(BCRYPT_COST) },
  ],
  exports: [AuthService],
})
export class AuthModule {}
