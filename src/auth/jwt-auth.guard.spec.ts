import { Controller, Get } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { JsonWebTokenError, TokenExpiredError } from '@nestjs/jwt';
import { AuthError } from './auth.error';
import { TokenClaims } from './domain/token-claims';
import { JwtAuthGuard } from './jwt-auth.guard';
import { Public } from './public.decorator';

@Controller()
class SampleController {
  @Public()
  @Get('open')
  open(): string {
    return 'open';
  }

  @Get('closed')
  closed(): string {
    return 'closed';
  }
}

@Public()
@Controller()
class PublicController {
  @Get()
  root(): string {
    return 'root';
  }
}

const httpContext = (
  controller: object,
  handler: (...args: never[]) => unknown,
  headers: Record<string, string> = {},
) => {
  const context = new ExecutionContextHost([{ headers }, {}], controller.constructor as never, handler);
  context.setType('http');
  return context;
};

const user: TokenClaims = { sub: 'operator', pwv: 1, iat: 1_764_000_000, exp: 1_764_003_600 };

describe(JwtAuthGuard.name, () => {
  const sut = new JwtAuthGuard(new Reflector());

  describe('canActivate', () => {
    it('should let a @Public() route through without a token', async () => {
      const controller = new SampleController();

      expect(await sut.canActivate(httpContext(controller, controller.open))).toBe(true);
    });

    it('should let every route of a @Public() controller through', async () => {
      const controller = new PublicController();

      expect(await sut.canActivate(httpContext(controller, controller.root))).toBe(true);
    });

    it('should leave socket messages to the gateway, which authenticates at connect', async () => {
      const controller = new SampleController();
      const context = httpContext(controller, controller.closed);
      context.setType('ws');

      expect(await sut.canActivate(context)).toBe(true);
    });
  });

  describe('handleRequest', () => {
    it('should return the principal passport accepted', () => {
      expect(sut.handleRequest(null, user, undefined)).toBe(user);
    });

    it('should answer MISSING_TOKEN when there is no bearer header', () => {
      expect(() => sut.handleRequest(null, false, new Error('No auth token'))).toThrow(new AuthError('MISSING_TOKEN'));
    });

    it('should answer TOKEN_EXPIRED for an expired token', () => {
      const info = new TokenExpiredError('jwt expired', new Date());

      expect(() => sut.handleRequest(null, false, info)).toThrow(new AuthError('TOKEN_EXPIRED'));
    });

    it.each([new JsonWebTokenError('invalid signature'), new JsonWebTokenError('invalid algorithm'), undefined])(
      'should answer INVALID_TOKEN without the library reason (%p)',
      (info) => {
        let thrown: unknown;
        try {
          sut.handleRequest(null, false, info);
        } catch (error: unknown) {
          thrown = error;
        }

        expect(thrown).toEqual(new AuthError('INVALID_TOKEN'));
        expect((thrown as Error).message).toBe('Invalid token');
      },
    );

    it('should pass on the typed error the strategy raised (e.g. a revoked token)', () => {
      const revoked = new AuthError('TOKEN_REVOKED');

      expect(() => sut.handleRequest(revoked, false, undefined)).toThrow(revoked);
    });

    it('should not turn an infrastructure failure into a 401', () => {
      const outage = new Error('connection refused');

      expect(() => sut.handleRequest(outage, false, undefined)).toThrow(outage);
    });
  });
});
