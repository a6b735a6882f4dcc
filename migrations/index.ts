import { InitialSchema1764000000000 } from './1764000000000-initial-schema';
import { AuthCredentials1764000000100 } from './1764000000100-auth-credentials';

/** Every migration in order; a merged migration is never edited, a change is a new file appended here. */
export const MIGRATIONS = [InitialSchema1764000000000, AuthCredentials1764000000100];
