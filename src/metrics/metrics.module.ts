import { Global, Module } from '@nestjs/common';
import { DatabaseMetrics } from './database-metrics';
import { Metrics } from './metrics';
import { MetricsServer } from './metrics.server';

/** Prometheus metrics: the registry every room records into, the database gauges, the listener. */
@Global()
@Module({
  providers: [Metrics, DatabaseMetrics, MetricsServer],
  exports: [Metrics, MetricsServer],
})
export class MetricsModule {}
