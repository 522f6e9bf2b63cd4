import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { MqttMeterSubscriber } from '../mqtt/meter-subscriber.js';
import { MqttConnectedGauge } from '../mqtt/mqtt-connected.gauge.js';
import { TransceiversModule } from '../transceivers/transceivers.module.js';
import { DeviceDirectory } from './device-directory.js';
import { GraphRepository } from './graph.repository.js';
import { IngestMetrics } from './ingest.metrics.js';
import { IngestService } from './ingest.service.js';
import { EnergyGraphController, MeterController } from './meter.controller.js';
import { MeterRepository } from './meter.repository.js';
import { MeterService } from './meter.service.js';
import { RejectedRepository } from './rejected.repository.js';

/** Meter ingest over HTTP and MQTT, and the energy graph. */
@Module({
  imports: [AuthModule, TransceiversModule],
  controllers: [MeterController, EnergyGraphController],
  providers: [IngestService, IngestMetrics, MeterRepository, RejectedRepository, GraphRepository, DeviceDirectory, MeterService, MqttMeterSubscriber, MqttConnectedGauge],
  exports: [DeviceDirectory],
})
export class MeterModule {}
