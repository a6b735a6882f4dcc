import passport from 'passport';
import { AuthError } from './auth.error';
import { AuthPrincipal, AuthService } from './auth.service';
import { bearerToken, JWT_STRATEGY, JwtStrategy } from './jwt.strategy';

const principal: AuthPrincipal = { sub: 'operator', pwv: 1, iat: 1_764_000_000, exp: 1_764_003_600 };

/** Runs the registered 'jwt' strategy through passport itself, as @nestjs/passport's AuthGuard does. */
function authenticate(headers: Record<string, string>): Promise<{ error: unknown; user: unknown }> {
  return new Promise((resolve) => {
    passport.authenticate(JWT_STRATEGY, { session: false }, (error: unknown, user: unknown) =>
      resolve({ error, user }),
    )({ headers }, {}, () => resolve({ error: new Error('next() called'), user: undefined }));
  });
}

describe(bearerToken.name, () => {
  it.each([
    ['Bearer abc.def.ghi', 'abc.def.ghi'],
    ['bearer abc.def.ghi', 'abc.def.ghi'],
    ['BEARER   abc.def.ghi  ', 'abc.def.ghi'],
  ])('should read the token of %p', (header, token) => {
    expect(bearerToken({ authorization: header })).toBe(token);
  });

  it.each([undefined, '', 'Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', 'abc.def.ghi'])(
    'should find no bearer token in %p',
    (header) => {
      expect(bearerToken(header === undefined ? {} : { authorization: header })).toBeUndefined();
    },
  );
});

describe(JwtStrategy.name, () => {
  let verifyToken: jest.Mock<Promise<AuthPrincipal>, [string]>;

  beforeEach(() => {
    verifyToken = jest.fn<Promise<AuthPrincipal>, [string]>();
    // Registers itself with passport under 'jwt', as in the application.
    new JwtStrategy({ verifyToken } as unknown as AuthService);
  });

  it('should hand the bearer token to AuthService.verifyToken and accept its principal', async () => {
    verifyToken.mockResolvedValue(principal);

    await expect(authenticate({ authorization: 'Bearer a.b.c' })).resolves.toEqual({ error: null, user: principal });
    expect(verifyToken).toHaveBeenCalledWith('a.b.c');
  });

  it('should report MISSING_TOKEN without verifying anything when there is no bearer header', async () => {
    const { error } = await authenticate({ authorization: 'Basic dXNlcjpwYXNz' });

    expect(error).toEqual(new AuthError('MISSING_TOKEN'));
    expect(verifyToken).not.toHaveBeenCalled();
  });

  it.each(['INVALID_TOKEN', 'TOKEN_EXPIRED', 'TOKEN_REVOKED'] as const)(
    'should pass on the verifier verdict %s as the error',
    async (code) => {
      verifyToken.mockRejectedValue(new AuthError(code));

      const { error, user } = await authenticate({ authorization: 'Bearer a.b.c' });

      expect(error).toEqual(new AuthError(code));
      expect(user).toBeFalsy();
    },
  );

  it('should pass on an infrastructure failure unchanged (it must stay a 5xx)', async () => {
    const outage = new Error('connection refused');
    verifyToken.mockRejectedValue(outage);

    await expect(authenticate({ authorization: 'Bearer a.b.c' })).resolves.toMatchObject({ error: outage });
  });
});
