import type { IPublishPacket } from 'mqtt';
import pino from 'pino';
import { loadRemsIngestConfig } from '../config.js';
import { MeterConnection } from './meter-connection.js';

/** A MeterConnection that never opens a socket: packets are fed to mqtt.js's handler by hand. */
function harness(maxInFlight: number) {
  const config = loadRemsIngestConfig({ NODE_ENV: 'test', MQTT_URL: 'mqtt://127.0.0.1:1', REMS_MQTT_MAX_IN_FLIGHT: String(maxInFlight) });
  const settles = new Map<number, () => void>();
  const connection = new MeterConnection(config, 0, (packet, settle) => settles.set(packet.messageId!, settle), pino({ level: 'silent' }));
  connection.client.options.reconnectPeriod = 0; // no socket, no reconnect timer left behind
  const client = connection.client as unknown as { connected: boolean; _sendPacket: (p: { cmd: string; messageId: number }) => void };
  const pubacks: number[] = [];
  client._sendPacket = (p) => pubacks.push(p.messageId);
  client.connected = true;
  let reads = 0;
  const deliver = (messageId: number) =>
    connection.client.handleMessage({ cmd: 'publish', qos: 1, dup: false, retain: false, topic: '/rems/mqtt3/meter', payload: Buffer.from('{}'), messageId } as IPublishPacket, () => reads++);
  return { connection, client, settles, pubacks, deliver, reads: () => reads };
}

describe('MeterConnection', () => {
  it('acknowledges only once settled, in arrival order', () => {
    const h = harness(100);
    [1, 2, 3].forEach(h.deliver);
    expect(h.reads()).toBe(3); // reading goes on while the three are in process
    h.settles.get(3)!();
    h.settles.get(2)!();
    expect(h.pubacks).toEqual([]);
    h.settles.get(1)!();
    expect(h.pubacks).toEqual([1, 2, 3]);
  });

  it('stops reading at REMS_MQTT_MAX_IN_FLIGHT unacknowledged messages and reads on as they are acknowledged', () => {
    const h = harness(3);
    [1, 2, 3].forEach(h.deliver);
    expect(h.reads()).toBe(2); // the third filled the window: mqtt.js waits before parsing the next packet
    expect(h.connection.unacknowledged).toBe(3);
    h.settles.get(2)!(); // settled, but its PUBACK waits for the first one
    expect(h.reads()).toBe(2);
    h.settles.get(1)!();
    expect(h.pubacks).toEqual([1, 2]);
    expect(h.reads()).toBe(3);
  });

  it('neither processes nor acknowledges what belongs to a connection that closed', () => {
    const h = harness(100);
    h.deliver(1);
    h.connection.client.emit('close');
    h.client.connected = false;
    h.deliver(2);
    expect(h.settles.has(2)).toBe(false);
    expect(h.reads()).toBe(2);
    h.client.connected = true;
    h.settles.get(1)!();
    expect(h.pubacks).toEqual([]);
  });
});
