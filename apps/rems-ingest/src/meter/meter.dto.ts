import { GraphPeriods } from '@cpo/rems-protocol';
import { z } from 'zod';

/** 6.1: `data` is checked by the frame parser, which answers INVALID_METER_DATA rather than VALIDATION_FAILED. */
export const MeterUploadBody = z.object({ multi: z.number().int().min(0).max(255).optional(), data: z.unknown() });
/** A distinct name: a type named like its schema would make decorator metadata point at the schema object. */
export type MeterUpload = z.infer<typeof MeterUploadBody>;

/** 5.5 / 6.2 */
export const GraphBody = z.object({
  period: z.enum(GraphPeriods).optional(),
  startDate: z.string().max(64).optional(),
  endDate: z.string().max(64).optional(),
});
export type GraphQueryBody = z.infer<typeof GraphBody>;

/** MQTT `{prefix}/meter` payload. */
export const MqttMeterPayload = z.object({
  transceiverId: z.string().trim().min(1).max(64),
  port: z.number().int().min(0).max(255).optional(),
  data: z.unknown(),
});
