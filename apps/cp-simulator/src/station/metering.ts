import type { Req16 } from '@cpo/ocpp-protocol';
import type { ConnectorState, SimulatedStation } from './simulated-station.js';

type Context = 'Sample.Periodic' | 'Sample.Clock' | 'Trigger';

/**
 * One MeterValues message for a connector: the energy register, the power it
 * draws, the current it draws and the current it is offered (the limit), so
 * the CSMS can see both compliance and headroom.
 */
export function meterValuesPayload(s: SimulatedStation, c: ConnectorState, context: Context): Req16<'MeterValues'> {
  const amps = (w: number) => w / (s.station.voltageV * s.station.phases);
  const v = (value: number, measurand: string, unit: string) => ({ value: value.toFixed(1), measurand, unit, context }) as never;
  return {
    connectorId: c.id,
    ...(c.transaction ? { transactionId: c.transaction.id } : {}),
    meterValue: [
      {
        timestamp: s.ts(),
        sampledValue: [
          v(c.meterWh, 'Energy.Active.Import.Register', 'Wh'),
          v(c.powerW, 'Power.Active.Import', 'W'),
          v(amps(c.powerW), 'Current.Import', 'A'),
          v(amps(c.offeredW), 'Current.Offered', 'A'),
        ],
      },
    ],
  };
}
