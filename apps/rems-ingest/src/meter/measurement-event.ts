import type { RemsMeasurementDecoded } from '@cpo/contracts';
import type { DecodedRemsFrame } from '@cpo/rems-protocol';

export type IngestChannel = 'http' | 'mqtt3' | 'mqtt5';

export interface FrameOrigin {
  tenantAlias: string;
  transceiverId: string;
  port: number;
  channel: IngestChannel;
  receivedAt: Date;
}

/** Wh of a complete lifetime counter, when it is exactly representable as a JS number. */
export function counterWh(frame: DecodedRemsFrame): number | null {
  const c = frame.energyCounter;
  if (!c || c.raw > BigInt(Number.MAX_SAFE_INTEGER)) return null;
  return Number((Number(c.raw) * c.whPerUnit).toPrecision(15));
}

/**
 * The `rems.measurement.decoded` payload of a decoded reading; undefined for frames that carry no
 * measurement (error frames, heartbeats, unknown layouts, foreign frames).
 */
export function toMeasurementEvent(frame: DecodedRemsFrame, origin: FrameOrigin): RemsMeasurementDecoded | undefined {
  if (frame.kind !== 'reading' || !frame.energySource) return undefined;
  const values: Record<string, number> = { ...frame.values };
  if (frame.fault) values.faultBits = frame.fault.faultBits;
  const event: RemsMeasurementDecoded = {
    tenantAlias: origin.tenantAlias,
    transceiverId: origin.transceiverId,
    port: origin.port,
    source: origin.channel === 'http' ? 'http' : 'mqtt',
    measuredAt: origin.receivedAt.toISOString(),
    energySource: frame.energySource,
    powerW: frame.powerW,
    cumulativeWh: counterWh(frame),
    values,
    // Bit 0 ("not running") is a state, normal at night: the planner sees it in values.faultBits.
    faults: frame.fault?.flags.filter((f) => f !== 'not_running') ?? [],
  };
  if (frame.phases) event.phases = frame.phases;
  return event;
}
