import { Module } from '@nestjs/common';
import { ReportsController } from './reports.controller';
import { ReportsService } from './reports.service';

/** The books: the reconciliation and the VAT figures. */
@Module({ controllers: [ReportsController], providers: [ReportsService] })
export class ReportsModule {}
