/**
 * Builders of the messages our Flexibility Provider sends, from the bus contract's shapes.
 * Output is strict: numbers, `+08:00` timestamps with milliseconds, the ELMO profile's fixed
 * `type`/`unit`/`phase` values.
 */
import type { CapacityAdjustRequested, CapacityComplianceFailed } from '@cpo/contracts';
import { roundHalfUpKw } from './elmo.js';
import type {
  EnergyMeasurement,
  GroupCapacityComplianceErrorMessage,
  GroupCapacityForecastMessage,
  HandshakeMessage,
  RegisterMessage,
} from './messages.js';
import { OSCP_VERSION } from './messages.js';
import { formatTaipei, parseTimeOfDay, taipeiDayHours, taipeiMinuteOfDay, taipeiTomorrow } from './taipei.js';

/** Our Register: our token and one `version_url` (ELMO accepts exactly one). */
export function buildRegister(token: string, baseUrl: string): RegisterMessage {
  return { token, version_url: [{ version: OSCP_VERSION, base_url: baseUrl.replace(/\/+$/, '') }] };
}

/** Our HandshakeAcknowledge: no heartbeat wish (ELMO has none), measurement configuration as given. */
export function buildHandshakeAcknowledge(heartbeatIntervalS?: number): HandshakeMessage {
  return { required_behaviour: { measurement_configuration: [], ...(heartbeatIntervalS ? { heartbeat_interval: heartbeatIntervalS } : {}) } };
}

export type AdjustBuild = { ok: true; message: GroupCapacityForecastMessage } | { ok: false; reason: 'not_tomorrow' | 'after_cutoff'; message: string };

/**
 * The adjust request ELMO accepts (guide §7.6): always tomorrow, 24 hourly `KW`/`ALL` blocks with
 * integer kW (half-up, which is what ELMO keeps anyway), sent before the cut-off (default 14:00).
 */
export function buildElmoAdjust(request: Pick<CapacityAdjustRequested, 'groupId' | 'date' | 'blocks'>, now: Date, cutoff = '14:00'): AdjustBuild {
  const tomorrow = taipeiTomorrow(now);
  if (request.date !== tomorrow) return { ok: false, reason: 'not_tomorrow', message: `adjust requests cover tomorrow (${tomorrow}) only, not ${request.date}` };
  if (taipeiMinuteOfDay(now) >= parseTimeOfDay(cutoff)) return { ok: false, reason: 'after_cutoff', message: `adjust requests must be sent before ${cutoff} Asia/Taipei` };
  const hours = taipeiDayHours(tomorrow);
  return {
    ok: true,
    message: {
      group_id: request.groupId,
      type: 'CONSUMPTION',
      forecasted_blocks: hours.map((h, i) => ({
        capacity: roundHalfUpKw(request.blocks[i].powerW / 1000),
        phase: 'ALL',
        unit: 'KW',
        start_time: formatTaipei(h.startMs),
        end_time: formatTaipei(h.endMs),
      })),
    },
  };
}

/** GroupCapacityComplianceError from the planner's event; affected blocks carry what we *can* achieve. */
export function buildComplianceError(event: Pick<CapacityComplianceFailed, 'message' | 'affected'>): GroupCapacityComplianceErrorMessage {
  const blocks = event.affected.map((a) => ({
    capacity: Math.round(a.expectedPowerW) / 1000,
    phase: 'ALL' as const,
    unit: 'KW' as const,
    start_time: formatTaipei(Date.parse(a.startTime)),
    end_time: formatTaipei(Date.parse(a.endTime)),
  }));
  return { message: event.message, ...(blocks.length ? { forecasted_blocks: blocks } : {}) };
}

/** One `update_group_measurements` item: the group's lifetime import register in kWh at `measureTime`. */
export function energyItem(valueKwh: number, measureTime: Date | number): EnergyMeasurement {
  return {
    value: Math.round(valueKwh * 1000) / 1000,
    phase: 'ALL',
    unit: 'KWH',
    direction: 'IMPORT',
    energy_type: 'TOTAL',
    measure_time: formatTaipei(measureTime),
  };
}
