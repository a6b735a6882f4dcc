/**
 * Rules a new password must meet. Pure: the limits come in as arguments (min length from config, max bytes
 * from the hashing algorithm), so the rules are testable without Nest or bcrypt.
 */
export interface PasswordPolicy {
  /** Minimum length in characters (Unicode code points, so an emoji counts once). */
  readonly minLength: number;
  /** Maximum length in UTF-8 bytes; bcrypt silently ignores everything after its 72nd byte. */
  readonly maxBytes: number;
}

export type PasswordViolation =
  | { readonly code: 'PASSWORD_TOO_SHORT'; readonly message: string }
  | { readonly code: 'PASSWORD_TOO_LONG'; readonly message: string }
  | { readonly code: 'PASSWORD_UNCHANGED'; readonly message: string };

/** The field the violations are reported against, in the wire name the client sent. */
export const NEW_PASSWORD_FIELD = 'newPassword';

const utf8 = new TextEncoder();

/** Returns the first rule `next` breaks, or null when it may replace `current`. */
export function checkNewPassword(current: string, next: string, policy: PasswordPolicy): PasswordViolation | null {
  const characters = [...next].length;
  if (characters < policy.minLength) {
    return {
      code: 'PASSWORD_TOO_SHORT',
      message: `${NEW_PASSWORD_FIELD} must be at least ${policy.minLength} characters long`,
    };
  }
  if (utf8.encode(next).length > policy.maxBytes) {
    return {
      code: 'PASSWORD_TOO_LONG',
      message: `${NEW_PASSWORD_FIELD} must be at most ${policy.maxBytes} bytes in UTF-8`,
    };
  }
  if (next === current) {
    return { code: 'PASSWORD_UNCHANGED', message: `${NEW_PASSWORD_FIELD} must differ from currentPassword` };
  }
  return null;
}
