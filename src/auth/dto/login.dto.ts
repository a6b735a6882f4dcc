import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { MaxUtf8Bytes } from './max-utf8-bytes.decorator';

/** Generous cap so a huge body cannot make the hash comparison costly; real limits are on new passwords. */
export const PASSWORD_INPUT_MAX_LENGTH = 1024;

/**
 * bcrypt reads only the first 72 bytes: a longer password would match any other with the same first 72 bytes.
 * Refused everywhere a password is given (login, change, APP_PASSWORD) rather than pre-hashed, so stored hashes
 * stay plain bcrypt and the rule is one sentence in the docs. Equals BCRYPT_MAX_PASSWORD_BYTES.
 */
export const PASSWORD_MAX_BYTES = 72;

export class LoginDto {
  @ApiProperty({
    description: 'The operator password',
    format: 'password',
    example: 'correct horse battery staple',
    maxLength: PASSWORD_MAX_BYTES,
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(PASSWORD_INPUT_MAX_LENGTH)
  @MaxUtf8Bytes(PASSWORD_MAX_BYTES, {
    message: '$property must be at most 72 bytes in UTF-8 (bcrypt reads no further)',
  })
  password: string;
}
