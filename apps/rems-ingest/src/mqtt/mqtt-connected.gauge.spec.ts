import { EventEmitter } from 'node:events';
import { MetricsService } from '@cpo/platform';
import { Registry } from 'prom-client';
import { loadRemsIngestConfig } from '../config.js';
import { brokerLabel, MqttConnectedGauge } from './mqtt-connected.gauge.js';

/** Stands in for an mqtt.js client: the gauge only reads `connected` and listens to its events. */
class FakeClient extends EventEmitter {
  connected = false;
  set(up: boolean, event: string): void {
    this.connected = up;
    this.emit(event);
  }
}

async function value(registry: Registry, client: string): Promise<number | undefined> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === 'rems_mqtt_connected');
  return metric?.values.find((v) => v.labels.client === client)?.value;
}

describe('rems_mqtt_connected', () => {
  const config = loadRemsIngestConfig({ NODE_ENV: 'test', MQTT_URL: 'mqtt://user:secret@broker.example:1884' });

  it('is 1 while a client is connected and 0 after close, offline or end, per client', async () => {
    const registry = new Registry();
    const commands = new FakeClient();
    commands.connected = true;
    const gauge = new MqttConnectedGauge({ registry } as MetricsService, config, commands);
    gauge.onModuleInit();
    const meter = new FakeClient();
    gauge.track(meter, 'meter-0');

    expect(await value(registry, 'commands')).toBe(1); // its state when tracking began
    expect(await value(registry, 'meter-0')).toBe(0);
    meter.set(true, 'connect');
    expect(await value(registry, 'meter-0')).toBe(1);
    meter.set(false, 'offline');
    expect(await value(registry, 'meter-0')).toBe(0);
    meter.set(true, 'connect');
    meter.set(false, 'close');
    expect(await value(registry, 'meter-0')).toBe(0);
    commands.set(false, 'end');
    expect(await value(registry, 'commands')).toBe(0);
    expect(await value(registry, 'meter-0')).toBe(0);

    const labels = (await registry.getMetricsAsJSON()).find((m) => m.name === 'rems_mqtt_connected')!.values.map((v) => v.labels);
    expect(labels).toEqual([
      { broker: 'broker.example:1884', client: 'commands' },
      { broker: 'broker.example:1884', client: 'meter-0' },
    ]);
  });

  it('names the broker by host and port, never with its credentials', () => {
    expect(brokerLabel('mqtt://u:p@10.0.0.5')).toBe('10.0.0.5:1883');
    expect(brokerLabel('mqtts://broker:8884')).toBe('broker:8884');
    expect(brokerLabel('wss://broker/mqtt')).toBe('broker:443');
  });
});
