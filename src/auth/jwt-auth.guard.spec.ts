import { Controller, Get } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
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
      expect(sut.handleRequest(null, user)).toBe(user);
    });

    it('should answer INVALID_TOKEN without a reason when passport accepted nobody', () => {
      let thrown: unknown;
      try {
        sut.handleRequest(null, false);
      } catch (error: unknown) {
        thrown = error;
      }

      expect(thrown).toEqual(new AuthError('INVALID_TOKEN'));
      expect((thrown as Error).message).toBe('Invalid token');
    });

    it('should pass on the typed error the strategy raised (e.g. a revoked token)', () => {
      const revoked = new AuthError('TOKEN_REVOKED');

      expect(() => sut.handleRequest(revoked, false)).toThrow(revoked);
    });

    it('should not turn an infrastructure failure into a 401', () => {
      const outage = new Error('connection refused');

      expect(() => sut.handleRequest(outage, false)).toThrow(outage);
    });
  });
});
