import { GroupCapacityForecastMessage, HandshakeMessage, HeartbeatMessage, RegisterMessage, UpdateGroupMeasurementsMessage, fpInboundAction, parseMessage } from './messages.js';

const block = (over: Record<string, unknown> = {}) => ({
  capacity: 100,
  phase: 'ALL',
  unit: 'KW',
  start_time: '2024-10-02T00:00:00.000+08:00',
  end_time: '2024-10-02T01:00:00.000+08:00',
  ...over,
});

describe('OSCP messages', () => {
  it('accepts the three handshake variants and normalises them to the nested form', () => {
    expect(HandshakeMessage.parse({})).toEqual({});
    expect(HandshakeMessage.parse({ measurement_configuration: ['CONTINUOUS'] })).toEqual({ required_behaviour: { measurement_configuration: ['CONTINUOUS'] } });
    expect(HandshakeMessage.parse({ required_behaviour: { measurement_configuration: ['CONTINUOUS'], heartbeat_interval: 30 } })).toEqual({
      required_behaviour: { measurement_configuration: ['CONTINUOUS'], heartbeat_interval: 30 },
    });
    expect(parseMessage(HandshakeMessage, { measurement_configuration: ['SOMETIMES'] }).ok).toBe(false);
  });

  it('validates Register: token ≤ 767 chars, at least one version_url', () => {
    expect(parseMessage(RegisterMessage, { token: 'T', version_url: [{ version: '2.0', base_url: '/oscp/2.0' }] }).ok).toBe(true);
    expect(parseMessage(RegisterMessage, { token: 'x'.repeat(768), version_url: [{ version: '2.0', base_url: 'https://a' }] }).ok).toBe(false);
    const empty = parseMessage(RegisterMessage, { token: 'T', version_url: [] });
    expect(empty).toEqual({ ok: false, message: expect.stringContaining('version_url') });
  });

  it('accepts numeric-string and null capacities and any offset, rejects negative or non-numeric ones', () => {
    const ok = parseMessage(GroupCapacityForecastMessage, {
      group_id: 'G1',
      type: 'CONSUMPTION',
      forecasted_blocks: [block({ capacity: '12.5' }), block({ capacity: null }), block({ start_time: '2024-10-01T16:00:00Z', end_time: '2024-10-01T17:00:00Z' })],
    });
    expect(ok.ok && ok.value.forecasted_blocks.map((b) => b.capacity)).toEqual([12.5, null, 100]);
    for (const bad of [block({ capacity: -1 }), block({ capacity: 'lots' }), block({ unit: 'EUR' }), block({ end_time: '2024-10-01T23:00:00.000+08:00' }), block({ start_time: '2024-10-02T00:00:00' })]) {
      expect(parseMessage(GroupCapacityForecastMessage, { group_id: 'G1', type: 'CONSUMPTION', forecasted_blocks: [bad] }).ok).toBe(false);
    }
    expect(parseMessage(GroupCapacityForecastMessage, { group_id: 'G1', type: 'CONSUMPTION', forecasted_blocks: [] }).ok).toBe(false);
  });

  it('reads pyoscp zone-less offline_mode_at as UTC', () => {
    expect(HeartbeatMessage.parse({ offline_mode_at: '2024-10-01 10:00:00' })).toEqual({ offline_mode_at: '2024-10-01T10:00:00Z' });
    expect(parseMessage(HeartbeatMessage, { offline_mode_at: 'soon' }).ok).toBe(false);
  });

  it('requires at least one non-negative measurement', () => {
    const item = { value: 1, phase: 'ALL', unit: 'KWH', direction: 'IMPORT', measure_time: '2024-10-01T00:00:00.000+08:00' };
    expect(parseMessage(UpdateGroupMeasurementsMessage, { group_id: 'G', measurements: [item] }).ok).toBe(true);
    expect(parseMessage(UpdateGroupMeasurementsMessage, { group_id: 'G', measurements: [] }).ok).toBe(false);
    expect(parseMessage(UpdateGroupMeasurementsMessage, { group_id: 'G', measurements: [{ ...item, value: -1 }] }).ok).toBe(false);
  });

  it('maps path segments, including the acknowledge spellings seen in the wild', () => {
    expect(fpInboundAction('handshake_acknowledgment')).toBe('handshake_acknowledge');
    expect(fpInboundAction('handshake_acknowledgement')).toBe('handshake_acknowledge');
    expect(fpInboundAction('update_group_capacity_forecast')).toBe('update_group_capacity_forecast');
    expect(fpInboundAction('toString')).toBeUndefined();
    expect(fpInboundAction('update_group_measurements')).toBeUndefined();
  });
});
