import { locationSchema, objectSchema, type LocationLevel, type ObjectModule, type OcpiVersion } from '@cpo/ocpi-protocol';
import type { z } from 'zod';
import type { Face } from '../partners/partner.types.js';

/** How the hub caches and broadcasts one module's objects. */
export interface ModuleSpec {
  module: ObjectModule;
  /** The role that owns and pushes the objects. */
  ownerRole: 'CPO' | 'EMSP';
  /** The role that reads them and receives the broadcast. */
  readerRole: 'CPO' | 'EMSP';
  /** The 2.1.1 face owners push to (CPOs use the eMSP face) and the one readers read from. */
  pushFace: Face;
  readFace: Face;
  /** Page maximum (guide §9 "our defaults"). */
  maxLimit: number;
  /** Objects have a `type` that is part of their identity (tokens: `?type=`, default RFID). */
  typed: boolean;
  /** 2.2.1 requires `last_updated` in every PATCH of this module (Locations, Sessions, Tokens). */
  patchNeedsLastUpdated: boolean;
  /** The zod schema of a full object of this module (Locations: per tree level). */
  schema(version: OcpiVersion, level: LocationLevel): z.ZodObject;
}

export const LOCATIONS: ModuleSpec = {
  module: 'locations',
  ownerRole: 'CPO',
  readerRole: 'EMSP',
  pushFace: 'emsp-face',
  readFace: 'cpo-face',
  maxLimit: 100,
  typed: false,
  patchNeedsLastUpdated: true,
  schema: (version, level) => locationSchema(version, level),
};

export const TOKENS: ModuleSpec = {
  module: 'tokens',
  ownerRole: 'EMSP',
  readerRole: 'CPO',
  pushFace: 'cpo-face',
  readFace: 'emsp-face',
  maxLimit: 1000,
  typed: true,
  patchNeedsLastUpdated: true,
  schema: (version) => objectSchema('tokens', version),
};

export const TARIFFS: ModuleSpec = {
  module: 'tariffs',
  ownerRole: 'CPO',
  readerRole: 'EMSP',
  pushFace: 'emsp-face',
  readFace: 'cpo-face',
  maxLimit: 100,
  typed: false,
  patchNeedsLastUpdated: false,
  schema: (version) => objectSchema('tariffs', version),
};

export const SESSIONS: ModuleSpec = {
  module: 'sessions',
  ownerRole: 'CPO',
  readerRole: 'EMSP',
  pushFace: 'emsp-face',
  readFace: 'cpo-face',
  maxLimit: 100,
  typed: false,
  patchNeedsLastUpdated: true,
  schema: (version) => objectSchema('sessions', version),
};

export const CDRS: ModuleSpec = {
  module: 'cdrs',
  ownerRole: 'CPO',
  readerRole: 'EMSP',
  pushFace: 'emsp-face',
  readFace: 'cpo-face',
  maxLimit: 50,
  typed: false,
  patchNeedsLastUpdated: false,
  schema: (version) => objectSchema('cdrs', version),
};
