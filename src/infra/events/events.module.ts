import { Global, Module, OnApplicationShutdown } from '@nestjs/common';
import { EventBus } from './event-bus';

@Global()
@Module({ providers: [EventBus], exports: [EventBus] })
export class EventsModule implements OnApplicationShutdown {
  constructor(private readonly bus: EventBus) {}

  async onApplicationShutdown(): Promise<void> {
    await this.bus.drain();
  }
}
