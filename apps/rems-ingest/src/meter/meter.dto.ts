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
export type MqttMeterMessage = z.infer<typeof MqttMeterPayload>;

/**
 * MqttMeterPayload.safeParse with a fast path for the well-formed message, which is nearly every
 * one: at thousands of messages a second zod's parse (a copied object per message) showed in the
 * profile. Anything the fast path does not accept goes to zod, so results and messages are zod's.
 */
export function readMqttMeterPayload(json: unknown): { ok: true; value: MqttMeterMessage } | { ok: false; problem: string } {
  if (typeof json === 'object' && json !== null && !Array.isArray(json)) {
    const { transceiverId, port, data } = json as Record<string, unknown>;
    const idOk = typeof transceiverId === 'string' && transceiverId.length >= 1 && transceiverId.length <= 64 && transceiverId.trim() === transceiverId;
    const portOk = port === undefined || (typeof port === 'number' && Number.isInteger(port) && port >= 0 && port <= 255);
    if (idOk && portOk) return { ok: true, value: { transceiverId, port, data } };
  }
  const parsed = MqttMeterPayload.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, problem: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
}
