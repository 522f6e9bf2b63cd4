import type { Logger } from 'pino';
import type { OcppMetrics } from '../metrics/ocpp-metrics.js';
import { Ocpp16Dispatcher } from './ocpp16-dispatcher.js';
import type { RegistrationState, StationContext } from './station-context.js';

function dispatcher(): Ocpp16Dispatcher {
  const metrics = { schemaViolations: { inc: () => undefined } } as unknown as OcppMetrics;
  const d = new Ocpp16Dispatcher(metrics, {} as Logger);
  d.handle('StatusNotification', async () => ({}));
  return d;
}

const status = { connectorId: 1, errorCode: 'NoError', status: 'Available' };
const ctx = (registration: RegistrationState) => ({ stationId: 'CP-1', registration, known: true, validationPolicy: 'strict' }) as unknown as StationContext;
const call = { uniqueId: '1', action: 'StatusNotification', receivedAt: new Date() };

describe('Ocpp16Dispatcher registration gate', () => {
  it('lets a message we triggered pass while Pending', async () => {
    expect(await dispatcher().dispatch(ctx('Pending'), call, status, true)).toMatchObject({ ok: true });
  });

  it('refuses it once the station was answered Rejected (a trigger sent while it was Pending opens no door after its next boot)', async () => {
    expect(await dispatcher().dispatch(ctx('Rejected'), call, status, true)).toMatchObject({ ok: false, code: 'SecurityError' });
  });
});
