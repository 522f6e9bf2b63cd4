import type { Ocpp16 } from '@cpo/ocpp-protocol';
import { stationBootedEvent } from './booted-event.js';

const answer = { registrationStatus: 'Accepted' as const, intervalS: 300, bootedAt: new Date('2026-03-01T10:00:00Z') };
const boot = (fields: Record<string, unknown>) => fields as unknown as Ocpp16.BootNotificationRequest;

describe('stationBootedEvent', () => {
  it('publishes a full boot as sent, the charge box serial when the charge point serial is missing', () => {
    expect(stationBootedEvent('CP-1', boot({ chargePointVendor: 'Acme', chargePointModel: 'S1', chargeBoxSerialNumber: 'B-1', firmwareVersion: '1.2' }), answer)).toEqual({
      event: { stationId: 'CP-1', vendor: 'Acme', model: 'S1', serialNumber: 'B-1', firmwareVersion: '1.2', registrationStatus: 'Accepted', intervalS: 300, bootedAt: '2026-03-01T10:00:00.000Z' },
    });
  });

  it("builds a lenient boot's event for the contract: missing vendor or model empty, non-text details left out", () => {
    const { event } = stationBootedEvent('CP-1', boot({ chargePointModel: 7, chargePointSerialNumber: { x: 1 }, firmwareVersion: 17 }), answer);
    expect(event).toEqual(expect.objectContaining({ vendor: '', model: '', serialNumber: undefined, firmwareVersion: undefined }));
  });

  it('gives the reason instead of an event when even that breaks the contract', () => {
    expect(stationBootedEvent('CP-1', boot({ chargePointVendor: 'V'.repeat(300), chargePointModel: 'S1' }), answer)).toEqual({ invalid: expect.stringMatching(/^vendor/) });
  });
});
