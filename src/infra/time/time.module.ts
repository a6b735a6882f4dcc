import { Global, Module } from '@nestjs/common';
import { Clock, SystemClock } from '../../common/clock';

/** The one Clock of the process; tests override the token with a FixedClock. */
@Global()
@Module({ providers: [{ provide: Clock, useClass: SystemClock }], exports: [Clock] })
export class TimeModule {}
