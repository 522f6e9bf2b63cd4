import { CommandStatuses, CommandTypes, DeviceModelTypes, FirmwareCheckTypes } from '@cpo/rems-protocol';
import { z } from 'zod';

const port = z.number().int().min(0).max(255);

/** 5.7 */
export const FirmwareCheckBody = z.object({ type: z.enum(FirmwareCheckTypes).optional(), port: port.optional() });

/** 5.10 */
export const DirectProcessBody = z.object({ type: z.enum(CommandTypes).optional(), deviceModelType: z.enum(DeviceModelTypes).optional(), port: port.optional() });

/** 5.11 */
export const ProcessStatusBody = z.object({
  id: z.string().trim().min(1, 'required').max(64),
  status: z.enum(CommandStatuses),
  message: z.string().max(2000).optional(),
});

/** Path id of 5.8/5.9. */
export const CommandIdParam = z.string().trim().min(1).max(64);
