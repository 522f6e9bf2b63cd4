import type { ValidationError16 } from '@cpo/ocpp-protocol';
import { capabilitiesFrom } from '../stations/capabilities.js';

type Payload = Record<string, unknown>;

/** What a station reported it can take (its configuration keys); a limit absent is one it has not reported. */
export interface StationLimits {
  sendLocalListMaxLength?: number;
  localAuthListMaxLength?: number;
  getConfigurationMaxKeys?: number;
  chargingScheduleMaxPeriods?: number;
  chargeProfileMaxStackLevel?: number;
  allowedChargingRateUnits?: ('A' | 'W')[];
}

/** The configuration keys the limits are read from. */
export const STATION_LIMIT_KEYS = [
  'SendLocalListMaxLength',
  'LocalAuthListMaxLength',
  'GetConfigurationMaxKeys',
  'ChargingScheduleMaxPeriods',
  'ChargeProfileMaxStackLevel',
  'ChargingScheduleAllowedChargingRateUnit',
] as const;

const isObject = (v: unknown): v is Payload => typeof v === 'object' && v !== null && !Array.isArray(v);
const int = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v.trim()) ? Number(v.trim()) : undefined);

/** Reads the limits from reported keys (any case; a value that is not a whole number is no limit). */
export function stationLimitsFrom(keys: readonly { key: string; value?: string | null }[]): StationLimits {
  const value = (name: string) => keys.find((k) => k.key.toLowerCase() === name.toLowerCase())?.value ?? undefined;
  // The smart-charging keys as smart charging reads them (units spelled Current/Power/A/W).
  const caps = capabilitiesFrom(keys.map((k) => ({ key: k.key, readonly: true, value: k.value ?? undefined })));
  const limits: StationLimits = {
    sendLocalListMaxLength: int(value('SendLocalListMaxLength')),
    localAuthListMaxLength: int(value('LocalAuthListMaxLength')),
    getConfigurationMaxKeys: int(value('GetConfigurationMaxKeys')),
    chargingScheduleMaxPeriods: caps.chargingScheduleMaxPeriods,
    chargeProfileMaxStackLevel: caps.chargeProfileMaxStackLevel,
    allowedChargingRateUnits: caps.allowedChargingRateUnits,
  };
  return Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined)) as StationLimits;
}

/** Whether `action` with `payload` can exceed any station limit: only then is the station's configuration read. */
export function limitsMayApply(action: string, payload: Payload): boolean {
  if (action === 'SendLocalList' || action === 'SetChargingProfile') return true;
  if (action === 'GetConfiguration') return Array.isArray(payload['key']) && payload['key'].length > 0;
  return action === 'RemoteStartTransaction' && payload['chargingProfile'] !== undefined;
}

function exceeded(path: string, message: string, key: string, limit: unknown): ValidationError16 {
  return { path, keyword: 'stationLimit', message: `${message} (${key} ${String(limit)}, as the station reported)`, params: { key, limit } };
}

/**
 * What a command asks beyond what the station reported it takes (guide §2.2 GetConfigurationMaxKeys,
 * §2.4 SendLocalListMaxLength / LocalAuthListMaxLength, §2.6 the smart-charging keys): the charger
 * would refuse it, and a Rejected or Failed reads as its own choice, not as our request's fault.
 */
export function stationLimitViolations(action: string, payload: Payload, limits: StationLimits): ValidationError16[] {
  const found: ValidationError16[] = [];
  if (action === 'SendLocalList') {
    const list = Array.isArray(payload['localAuthorizationList']) ? payload['localAuthorizationList'] : [];
    const { sendLocalListMaxLength: perMessage, localAuthListMaxLength: listSize } = limits;
    if (perMessage !== undefined && list.length > perMessage) {
      found.push(exceeded('/localAuthorizationList', `has ${list.length} entries, more than the station takes in one SendLocalList (send a Full list of ${perMessage} at most, then Differential updates)`, 'SendLocalListMaxLength', perMessage));
    } else if (listSize !== undefined && payload['updateType'] === 'Full' && list.length > listSize) {
      // A Differential update changes a list whose size only the charger knows.
      found.push(exceeded('/localAuthorizationList', `has ${list.length} entries, more than the station's local list holds`, 'LocalAuthListMaxLength', listSize));
    }
  }
  const keys = payload['key'];
  if (action === 'GetConfiguration' && Array.isArray(keys) && limits.getConfigurationMaxKeys !== undefined && keys.length > limits.getConfigurationMaxKeys) {
    found.push(exceeded('/key', `asks for ${keys.length} keys, more than the station answers in one GetConfiguration (none asks for all)`, 'GetConfigurationMaxKeys', limits.getConfigurationMaxKeys));
  }
  if (action === 'SetChargingProfile') found.push(...profileOverLimits(payload['csChargingProfiles'], '/csChargingProfiles', limits));
  if (action === 'RemoteStartTransaction') found.push(...profileOverLimits(payload['chargingProfile'], '/chargingProfile', limits));
  return found;
}

function profileOverLimits(profile: unknown, at: string, limits: StationLimits): ValidationError16[] {
  if (!isObject(profile)) return [];
  const found: ValidationError16[] = [];
  const { chargeProfileMaxStackLevel: maxLevel, allowedChargingRateUnits: units, chargingScheduleMaxPeriods: maxPeriods } = limits;
  const level = profile['stackLevel'];
  if (maxLevel !== undefined && typeof level === 'number' && level > maxLevel) found.push(exceeded(`${at}/stackLevel`, `is ${level}, above the station's highest stack level`, 'ChargeProfileMaxStackLevel', maxLevel));
  const schedule = isObject(profile['chargingSchedule']) ? profile['chargingSchedule'] : {};
  const unit = schedule['chargingRateUnit'];
  if (units !== undefined && typeof unit === 'string' && !(units as string[]).includes(unit)) {
    found.push(exceeded(`${at}/chargingSchedule/chargingRateUnit`, `is ${unit}, a unit the station does not allow`, 'ChargingScheduleAllowedChargingRateUnit', units.join(',')));
  }
  const periods = schedule['chargingSchedulePeriod'];
  if (maxPeriods !== undefined && Array.isArray(periods) && periods.length > maxPeriods) {
    found.push(exceeded(`${at}/chargingSchedule/chargingSchedulePeriod`, `has ${periods.length} periods, more than the station takes in one schedule`, 'ChargingScheduleMaxPeriods', maxPeriods));
  }
  return found;
}
