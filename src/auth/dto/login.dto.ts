import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

/** Generous cap so a huge body cannot make the hash comparison costly; real limits are on new passwords. */
export const PASSWORD_INPUT_MAX_LENGTH = 1024;

export class LoginDto {
  @ApiProperty({
    description: 'The operator password',
    format: 'password',
    example: 'correct horse battery staple',
    maxLength: PASSWORD_INPUT_MAX_LENGTH,
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(PASSWORD_INPUT_MAX_LENGTH)
  password: string;
}
