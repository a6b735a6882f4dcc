import { Module } from '@nestjs/common';
import { OrderBookController } from './order-book.controller';
import { OrderBookService } from './order-book.service';

/** L2 books per symbol from the exchange stream (ExchangeModule is global), and the /data read API. */
@Module({ controllers: [OrderBookController], providers: [OrderBookService], exports: [OrderBookService] })
export class OrderBookModule {}
