import { Module } from '@nestjs/common';
import { LedgerModule } from '../ledger/ledger.module';
import { EventDelivery } from './event-delivery';

/** Events to the webmail backend, delivered from the outbox in batches. */
@Module({ imports: [LedgerModule], providers: [EventDelivery], exports: [EventDelivery] })
export class EventsModule {}
