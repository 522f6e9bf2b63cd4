import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, MetricsService, MQTT } from '@cpo/platform';
import { Gauge } from 'prom-client';
import type { RemsIngestConfig } from '../config.js';

/** The events of an mqtt.js client the gauge follows (an MqttClient is one). */
export interface ConnectionEvents {
  readonly connected: boolean;
  on(event: 'connect' | 'close' | 'offline' | 'end', listener: () => void): unknown;
}

/**
 * `rems_mqtt_connected{broker, client}`: 1 while an MQTT client of the service is connected to the
 * broker, 0 otherwise, updated on connect, close, offline and end. The service holds several
 * clients to the same broker: `commands` (the shared client that publishes device commands) and
 * `meter-{n}` (the meter subscriber's own connections), so `client` tells them apart; `broker` is
 * the broker's host and port (never its credentials). Readiness fails as soon as one is down; the
 * gauge shows which one and for how long, and alerts can fire on `min(...) == 0`.
 */
@Injectable()
export class MqttConnectedGauge implements OnModuleInit {
  private readonly gauge: Gauge<'broker' | 'client'>;
  private readonly broker: string;

  constructor(
    metrics: MetricsService,
    @Inject(APP_CONFIG) config: RemsIngestConfig,
    @Inject(MQTT) private readonly commands: ConnectionEvents,
  ) {
    this.gauge = new Gauge({
      name: 'rems_mqtt_connected',
      help: 'Whether an MQTT client of the service is connected to the broker (1) or not (0), by client',
      labelNames: ['broker', 'client'],
      registers: [metrics.registry],
    });
    this.broker = brokerLabel(config.MQTT_URL);
  }

  onModuleInit(): void {
    this.track(this.commands, 'commands');
  }

  /** Follows one client from now on; its current state is recorded at once. */
  track(client: ConnectionEvents, name: string): void {
    const labels = { broker: this.broker, client: name };
    const set = (up: boolean) => this.gauge.set(labels, up ? 1 : 0);
    set(client.connected);
    client.on('connect', () => set(true));
    for (const down of ['close', 'offline', 'end'] as const) client.on(down, () => set(false));
  }
}

/** `host:port` of the broker URL (credentials and path left out). */
export function brokerLabel(url: string): string {
  try {
    const u = new URL(url);
    const port = u.port || ({ 'mqtt:': '1883', 'tcp:': '1883', 'mqtts:': '8883', 'ssl:': '8883', 'ws:': '80', 'wss:': '443' } as Record<string, string>)[u.protocol] || '';
    return port ? `${u.hostname}:${port}` : u.hostname;
  } catch {
    return 'unknown';
  }
}
