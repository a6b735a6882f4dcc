import { checkNewPassword, PasswordPolicy } from './password-policy';

const POLICY: PasswordPolicy = { minLength: 12, maxBytes: 72 };

describe(checkNewPassword.name, () => {
  it('should accept a long enough password that differs from the current one', () => {
    expect(checkNewPassword('old-password-1', 'new-password-12', POLICY)).toBeNull();
  });

  it('should refuse a password shorter than the minimum, naming newPassword', () => {
    const violation = checkNewPassword('old-password-1', 'short', POLICY);
    expect(violation).toEqual({
      code: 'PASSWORD_TOO_SHORT',
      message: 'newPassword must be at least 12 characters long',
    });
  });

  it('should count characters by code point so an emoji is one character', () => {
    const elevenEmoji = '🔑'.repeat(11); // 22 UTF-16 units, 11 characters
    expect(checkNewPassword('old-password-1', elevenEmoji, POLICY)?.code).toBe('PASSWORD_TOO_SHORT');
    expect(checkNewPassword('old-password-1', '🔑'.repeat(12), POLICY)).toBeNull();
  });

  it('should refuse a password longer than bcrypt reads (72 UTF-8 bytes)', () => {
    expect(checkNewPassword('old-password-1', 'x'.repeat(72), POLICY)).toBeNull();
    expect(checkNewPassword('old-password-1', 'x'.repeat(73), POLICY)?.code).toBe('PASSWORD_TOO_LONG');
    // 19 four-byte characters = 76 bytes although only 19 characters
    expect(checkNewPassword('old-password-1', '🔑'.repeat(19), POLICY)?.code).toBe('PASSWORD_TOO_LONG');
  });

  it('should refuse the current password as the new one', () => {
    expect(checkNewPassword('same-password-1', 'same-password-1', POLICY)?.code).toBe('PASSWORD_UNCHANGED');
  });

  it('should report the length problem before the equality one', () => {
    expect(checkNewPassword('short', 'short', POLICY)?.code).toBe('PASSWORD_TOO_SHORT');
  });
});
