import { DeviceModelTypes, RemsModuleTypeNames } from '@cpo/rems-protocol';
import { z } from 'zod';

const name = z.string().trim().min(1).max(255);
const alias = z.string().trim().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - (1–64)');

export const CreateTenantBody = z.object({ alias, name });
export const CreatePlantBody = z.object({ tenantAlias: alias, name, address: z.string().max(1000).optional() });
export const CreateTransceiverBody = z.object({
  tenantAlias: alias,
  serialId: z.string().trim().min(1).max(255),
  plantId: z.uuid().optional(),
  name: name.optional(),
  modelId: z.uuid().optional(),
  installedVersion: z.string().max(64).optional(),
  /** Linked to KEA REMS solar: at most 4 modules, ports 0–3. */
  keaSolar: z.boolean().default(true),
});
export const CreateModuleBody = z.object({
  port: z.number().int().min(0).max(255),
  moduleType: z.enum(RemsModuleTypeNames as [string, ...string[]]),
  name: name.optional(),
  modelId: z.uuid().optional(),
  installedVersion: z.string().max(64).optional(),
});
export const CreateDeviceModelBody = z.object({ tenantAlias: alias, name, deviceModelType: z.enum(DeviceModelTypes) });
export const CreateFirmwareBody = z.object({ version: z.string().trim().min(1).max(64), url: z.url() });

export type CreateTenant = z.infer<typeof CreateTenantBody>;
export type CreatePlant = z.infer<typeof CreatePlantBody>;
export type CreateTransceiver = z.infer<typeof CreateTransceiverBody>;
export type CreateModule = z.infer<typeof CreateModuleBody>;
export type CreateDeviceModel = z.infer<typeof CreateDeviceModelBody>;
export type CreateFirmware = z.infer<typeof CreateFirmwareBody>;

/** One row of the bulk import file (CSV; columns by header name). */
export const ImportRowSchema = z.object({
  tenantAlias: alias,
  plantName: name,
  plantAddress: z.string().max(1000).optional(),
  serialId: z.string().trim().min(1).max(255),
  transceiverName: name.optional(),
  keaSolar: z.enum(['true', 'false', '']).optional().transform((v) => v !== 'false'),
  port: z.coerce.number().int().min(0).max(255).optional(),
  moduleType: z.enum(RemsModuleTypeNames as [string, ...string[]]).optional(),
  moduleName: name.optional(),
});
export type ImportRow = z.infer<typeof ImportRowSchema>;
