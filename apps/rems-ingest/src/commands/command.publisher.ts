import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, MetricsService, MQTT, ROOT_LOGGER } from '@cpo/platform';
import type { ControlCommand } from '@cpo/rems-protocol';
import type { MqttClient } from 'mqtt';
import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import type { RemsIngestConfig } from '../config.js';
import { commandTopic, commandTopics, type MqttVersion } from '../mqtt/topics.js';
import { CommandRepository } from './command.repository.js';

/**
 * Publishes a command (the bare ControlCommand, no envelope) to `{prefix}/device/{tenant}/{serial}`
 * on the prefix of the device's MQTT version (the version it last sent meter frames with), QoS 1,
 * not retained. A device never seen on MQTT gets it on both prefixes, since it listens on one of
 * them; one that was offline reconciles through 5.6 when it boots.
 */
@Injectable()
export class CommandPublisher {
  private readonly failures: Counter;
  private readonly logger: Logger;

  constructor(
    @Inject(MQTT) private readonly mqtt: MqttClient,
    @Inject(APP_CONFIG) private readonly config: RemsIngestConfig,
    @Inject(ROOT_LOGGER) root: Logger,
    metrics: MetricsService,
    private readonly commands: CommandRepository,
  ) {
    this.logger = root.child({ component: 'command-publisher' });
    this.failures = new Counter({ name: 'rems_command_publish_failures_total', help: 'Commands that could not be published on MQTT (devices still see them through 5.6)', registers: [metrics.registry] });
  }

  /** Called after the command is committed; never rejects: a failure is logged and counted, the command stays pending. */
  async publish(command: ControlCommand): Promise<void> {
    const payload = JSON.stringify(command);
    const root = this.config.REMS_MQTT_TOPIC_ROOT;
    let version: MqttVersion | undefined;
    try {
      version = await this.commands.mqttVersionOf(command.transceiverId);
    } catch (err) {
      this.logger.warn({ err, commandId: command.id }, 'MQTT version of the device unknown (database); publishing on both prefixes');
    }
    const topics = version ? [commandTopic(root, version, command.tenantAlias, command.serialId)] : commandTopics(root, command.tenantAlias, command.serialId);
    const results = await Promise.allSettled(topics.map((topic) => this.mqtt.publishAsync(topic, payload, { qos: 1, retain: false })));
    for (const [i, r] of results.entries()) {
      if (r.status === 'rejected') {
        this.failures.inc();
        this.logger.warn({ err: r.reason, topic: topics[i], commandId: command.id }, 'command not published on MQTT');
      }
    }
  }
}
