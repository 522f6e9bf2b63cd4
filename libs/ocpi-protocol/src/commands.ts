/** Commands (`mod_commands.*`) and HubClientInfo (`mod_hub_client_info`, 2.2.1) objects. */
import { z } from 'zod';
import { CiString, CountryCode, DateTime, DisplayText, PartyId } from './common.js';
import { Role } from './versions.js';

export const CommandType = z.enum(['START_SESSION', 'STOP_SESSION', 'RESERVE_NOW', 'CANCEL_RESERVATION', 'UNLOCK_CONNECTOR']);
export type CommandType = z.infer<typeof CommandType>;

const ResponseUrl = z.string().url();

/** Command request bodies. `location_id` is what the hub routes START/RESERVE/UNLOCK on. */
export const CommandRequest = {
  START_SESSION: z.looseObject({ response_url: ResponseUrl, token: z.looseObject({ uid: CiString(36) }), location_id: CiString(39), evse_uid: CiString(39).optional(), connector_id: CiString(36).optional(), authorization_reference: CiString(36).optional() }),
  STOP_SESSION: z.looseObject({ response_url: ResponseUrl, session_id: CiString(36) }),
  RESERVE_NOW: z.looseObject({ response_url: ResponseUrl, token: z.looseObject({ uid: CiString(36) }), expiry_date: DateTime, reservation_id: z.union([CiString(36), z.number().int()]), location_id: CiString(39), evse_uid: CiString(39).optional() }),
  CANCEL_RESERVATION: z.looseObject({ response_url: ResponseUrl, reservation_id: CiString(36) }),
  UNLOCK_CONNECTOR: z.looseObject({ response_url: ResponseUrl, location_id: CiString(39), evse_uid: CiString(39), connector_id: CiString(36) }),
} as const;

export const CommandResponseType = z.enum(['NOT_SUPPORTED', 'REJECTED', 'ACCEPTED', 'TIMEOUT', 'UNKNOWN_SESSION']);
export const CommandResponse = z.looseObject({ result: CommandResponseType, timeout: z.number().int().optional(), message: z.union([z.array(DisplayText), DisplayText]).optional() });
export const CommandResult = z.looseObject({ result: z.string().min(1), message: z.union([z.array(DisplayText), DisplayText]).optional() });

export const ConnectionStatus = z.enum(['CONNECTED', 'OFFLINE', 'PLANNED', 'SUSPENDED']);
export type ConnectionStatus = z.infer<typeof ConnectionStatus>;
export const ClientInfo = z.looseObject({ party_id: PartyId, country_code: CountryCode, role: Role, status: ConnectionStatus, last_updated: DateTime });
export type ClientInfo = z.infer<typeof ClientInfo>;

/** Charging profiles (2.2.1 `mod_charging_profiles`; offered to 2.1.1 as a custom module). */
export const ChargingProfile = z.looseObject({
  start_date_time: DateTime.optional(),
  duration: z.number().int().optional(),
  charging_rate_unit: z.enum(['W', 'A']),
  min_charging_rate: z.number().optional(),
  charging_profile_period: z.array(z.looseObject({ start_period: z.number().int().nonnegative(), limit: z.number() })).optional(),
});
export const SetChargingProfile = z.looseObject({ charging_profile: ChargingProfile, response_url: ResponseUrl });
/** What a CPO pushes to the SCSP when a session's profile changes (PUT /{session_id}). */
export const ActiveChargingProfile = z.looseObject({ start_date_time: DateTime, charging_profile: ChargingProfile });
export const ChargingProfileResponse = z.looseObject({ result: z.enum(['ACCEPTED', 'NOT_SUPPORTED', 'REJECTED', 'TOO_OFTEN', 'UNKNOWN_SESSION']), timeout: z.number().int() });

/** The three asynchronous answers; the hub's callback URL names which one a result belongs to. */
export const ChargingProfileRequestKind = z.enum(['ACTIVE', 'SET', 'CLEAR']);
export type ChargingProfileRequestKind = z.infer<typeof ChargingProfileRequestKind>;
