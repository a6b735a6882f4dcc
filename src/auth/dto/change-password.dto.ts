import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { MaxUtf8Bytes } from './max-utf8-bytes.decorator';
import { PASSWORD_INPUT_MAX_LENGTH, PASSWORD_MAX_BYTES } from './login.dto';

/**
 * The minimum length of newPassword is configuration (PASSWORD_MIN_LENGTH), which a DTO cannot see; the service
 * enforces it and answers 400 naming newPassword.
 */
export class ChangePasswordDto {
  @ApiProperty({ description: 'The password in effect now', format: 'password', maxLength: PASSWORD_INPUT_MAX_LENGTH })
  @IsString()
  @IsNotEmpty()
  @MaxLength(PASSWORD_INPUT_MAX_LENGTH)
  @MaxUtf8Bytes(PASSWORD_MAX_BYTES, {
    message: '$property must be at most 72 bytes in UTF-8 (bcrypt reads no further)',
  })
  currentPassword: string;

  @ApiProperty({
    description:
      'The new password: at least PASSWORD_MIN_LENGTH characters (default 12), at most 72 bytes in UTF-8 (bcrypt), different from the current one',
    format: 'password',
    example: 'a much longer passphrase',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(PASSWORD_INPUT_MAX_LENGTH)
  newPassword: string;
}
