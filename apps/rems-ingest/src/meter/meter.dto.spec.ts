import { MqttMeterPayload, readMqttMeterPayload } from './meter.dto.js';

describe('readMqttMeterPayload', () => {
  it.each([
    { transceiverId: 'MATA1', port: 0, data: '14' },
    { transceiverId: 'MATA1', data: '14' },
    { transceiverId: 'MATA1', port: 255, data: 7 },
    { transceiverId: ' MATA1 ', data: '14' },
    { transceiverId: 'MATA1', port: 1.5, data: '14' },
    { transceiverId: 'MATA1', port: -1, data: '14' },
    { transceiverId: 'MATA1', port: 256, data: '14' },
    { transceiverId: 'MATA1', port: '0', data: '14' },
    { transceiverId: '', data: '14' },
    { transceiverId: '   ', data: '14' },
    { transceiverId: 'x'.repeat(65), data: '14' },
    { transceiverId: 5, data: '14' },
    { port: 0, data: '14' },
    { transceiverId: 'MATA1', port: 0, data: '14', extra: true },
    [],
    null,
    'text',
    42,
  ])('agrees with the zod schema on %j', (input) => {
    const zod = MqttMeterPayload.safeParse(input);
    const fast = readMqttMeterPayload(input);
    expect(fast.ok).toBe(zod.success);
    if (fast.ok && zod.success) expect(fast.value).toEqual(zod.data);
  });

  it('names the failing fields', () => {
    expect(readMqttMeterPayload({ port: -1, data: '14' })).toEqual({ ok: false, problem: expect.stringMatching(/transceiverId: .*; port: /) });
  });
});
