/**
 * Subject → payload schema, and the versions each subject accepts.
 *
 * Evolving a payload: add `XV2`, point `EventSchemas[subject]` at `{ version: 2, schema: XV2 }`
 * (publishers then emit v2 and `EventMap` becomes the v2 type) and move v1 into
 * `LegacyEventVersions` with an upgrade to the v2 shape, so messages still in the streams or
 * from not-yet-upgraded publishers keep validating.
 */
import { z } from 'zod';
import {
  CapacityAdjustRequestedV1,
  CapacityComplianceFailedV1,
  CapacityForecastMissedV1,
  CapacityForecastReceivedV1,
} from './events/capacity.js';
import { OcpiCommandRequestedV1, OcpiCommandResultV1 } from './events/ocpi.js';
import {
  OcppChargingProfileAppliedV1,
  OcppChargingProfileFailedV1,
  OcppConnectorStatusV1,
  OcppMeterSampledV1,
  OcppStationBootedV1,
  OcppStationConnectedV1,
  OcppStationDisconnectedV1,
  OcppTransactionStartedV1,
  OcppTransactionStoppedV1,
} from './events/ocpp.js';
import { OcppDiagnosticsStatusV1, OcppFirmwareStatusV1, OcppRemoteStartSettledV1, OcppReservationUpdatedV1 } from './events/ocpp-outcomes.js';
import { PlannerGroupTopologyChangedV1, PlannerStationLimitsPlannedV1 } from './events/planner.js';
import { RemsMeasurementDecodedV1 } from './events/rems.js';
import { Subjects, type EventSubject } from './subjects.js';

/** The current (published) schema version and schema of every event subject. */
export const EventSchemas = {
  [Subjects.CapacityForecastReceived]: { version: 1, schema: CapacityForecastReceivedV1 },
  [Subjects.CapacityAdjustRequested]: { version: 1, schema: CapacityAdjustRequestedV1 },
  [Subjects.CapacityComplianceFailed]: { version: 1, schema: CapacityComplianceFailedV1 },
  [Subjects.CapacityForecastMissed]: { version: 1, schema: CapacityForecastMissedV1 },
  [Subjects.PlannerStationLimitsPlanned]: { version: 1, schema: PlannerStationLimitsPlannedV1 },
  [Subjects.PlannerGroupTopologyChanged]: { version: 1, schema: PlannerGroupTopologyChangedV1 },
  [Subjects.OcppStationConnected]: { version: 1, schema: OcppStationConnectedV1 },
  [Subjects.OcppStationDisconnected]: { version: 1, schema: OcppStationDisconnectedV1 },
  [Subjects.OcppStationBooted]: { version: 1, schema: OcppStationBootedV1 },
  [Subjects.OcppConnectorStatus]: { version: 1, schema: OcppConnectorStatusV1 },
  [Subjects.OcppTransactionStarted]: { version: 1, schema: OcppTransactionStartedV1 },
  [Subjects.OcppTransactionStopped]: { version: 1, schema: OcppTransactionStoppedV1 },
  [Subjects.OcppMeterSampled]: { version: 1, schema: OcppMeterSampledV1 },
  [Subjects.OcppChargingProfileApplied]: { version: 1, schema: OcppChargingProfileAppliedV1 },
  [Subjects.OcppChargingProfileFailed]: { version: 1, schema: OcppChargingProfileFailedV1 },
  [Subjects.OcppRemoteStartSettled]: { version: 1, schema: OcppRemoteStartSettledV1 },
  [Subjects.OcppReservationUpdated]: { version: 1, schema: OcppReservationUpdatedV1 },
  [Subjects.OcppFirmwareStatus]: { version: 1, schema: OcppFirmwareStatusV1 },
  [Subjects.OcppDiagnosticsStatus]: { version: 1, schema: OcppDiagnosticsStatusV1 },
  [Subjects.RemsMeasurementDecoded]: { version: 1, schema: RemsMeasurementDecodedV1 },
  [Subjects.OcpiCommandRequested]: { version: 1, schema: OcpiCommandRequestedV1 },
  [Subjects.OcpiCommandResult]: { version: 1, schema: OcpiCommandResultV1 },
} satisfies Record<EventSubject, { version: number; schema: z.ZodType }>;

/** Subject → payload type (of the current schema version). */
export type EventMap = { [S in EventSubject]: z.infer<(typeof EventSchemas)[S]['schema']> };

/** The payload type of one subject. */
export type EventPayload<S extends EventSubject> = EventMap[S];

/** An older schema version still accepted on consumption, with its upgrade to the current shape. */
export interface LegacySchemaVersion<Current> {
  readonly schema: z.ZodType;
  /** Converts a value that `schema` has parsed into the current payload shape. */
  readonly upgrade: (parsed: unknown) => Current;
}

/**
 * Declares a legacy version. `upgrade` is typed by the old schema; the cast is safe because
 * `validateEvent` only calls it with what that schema produced.
 */
export function legacyVersion<Old extends z.ZodType, Current>(
  schema: Old,
  upgrade: (parsed: z.infer<Old>) => Current,
): LegacySchemaVersion<Current> {
  return { schema, upgrade: (parsed) => upgrade(parsed as z.infer<Old>) };
}

/**
 * Older versions still accepted per subject, keyed by version number. Empty while every subject is
 * at version 1.
 */
export const LegacyEventVersions: {
  readonly [S in EventSubject]?: Readonly<Record<number, LegacySchemaVersion<EventMap[S]>>>;
} = {};

/** How one version of one subject is validated: its schema and the conversion to the current type. */
export interface SchemaVersionDecoder<T> {
  readonly version: number;
  readonly schema: z.ZodType;
  readonly toCurrent: (parsed: unknown) => T;
}

/** The schema version publishers must put in the `Cpo-Schema-Version` header for `subject`. */
export function schemaVersionOf(subject: EventSubject): number {
  return EventSchemas[subject].version;
}

/** Every version of `subject` a consumer accepts, ascending (the current one included). */
export function supportedVersionsOf(subject: EventSubject): number[] {
  const legacy = Object.keys(LegacyEventVersions[subject] ?? {}).map(Number);
  return [...new Set([...legacy, schemaVersionOf(subject)])].sort((a, b) => a - b);
}

/** The decoder for `version` of `subject`, or `undefined` when that version is not supported. */
export function decoderFor<S extends EventSubject>(
  subject: S,
  version: number,
): SchemaVersionDecoder<EventMap[S]> | undefined {
  const current = EventSchemas[subject];
  if (version === current.version) {
    // The current schema's output is EventMap[S] by definition of EventMap.
    return { version, schema: current.schema, toCurrent: (parsed) => parsed as EventMap[S] };
  }
  const legacy: LegacySchemaVersion<EventMap[S]> | undefined = LegacyEventVersions[subject]?.[version];
  return legacy === undefined ? undefined : { version, schema: legacy.schema, toCurrent: legacy.upgrade };
}
