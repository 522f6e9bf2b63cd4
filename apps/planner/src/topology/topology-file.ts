import { z } from 'zod';

/** One connector of a station, when it differs from the station's defaults. */
export const ConnectorSpec = z.strictObject({
  connectorId: z.number().int().positive(),
  maxCurrentA: z.number().positive().max(1000).optional(),
  phases: z.literal([1, 3]).optional(),
  minCurrentA: z.number().nonnegative().max(100).optional(),
  priority: z.number().int().optional(),
});
export type ConnectorSpec = z.infer<typeof ConnectorSpec>;

/** A station assigned to a group: its rating, phases, priority and connectors. */
export const StationSpec = z.strictObject({
  stationId: z.string().min(1).max(48),
  maxCurrentA: z.number().positive().max(1000),
  phases: z.literal([1, 3]).default(3),
  priority: z.number().int().default(0),
  /** Absent: connectors 1..n get the station's rating and phases (n = `connectorCount`, default 1). */
  connectors: z.array(ConnectorSpec).optional(),
  connectorCount: z.number().int().positive().max(16).optional(),
});
export type StationSpec = z.infer<typeof StationSpec>;

/** An OSCP group: what the grid contract allows and how the site is wired. */
export const GroupSpec = z.strictObject({
  groupId: z.string().min(1).max(100),
  partnerId: z.string().min(1).optional(),
  contractKw: z.number().nonnegative(),
  nominalVoltageV: z.number().int().min(100).max(480).default(220),
  phases: z.literal([1, 3]).default(3),
  safetyMargin: z.number().min(0).max(0.5).default(0.05),
  timeZone: z.string().default('Asia/Taipei'),
  stations: z.array(StationSpec).default([]),
  generation: z.array(z.strictObject({ transceiverId: z.string().min(1), port: z.number().int().nonnegative() })).default([]),
});
export type GroupSpec = z.infer<typeof GroupSpec>;

/** A topology file (YAML or JSON) for demos and bulk set-up. */
export const TopologyFile = z.strictObject({ groups: z.array(GroupSpec).min(1) });
export type TopologyFile = z.infer<typeof TopologyFile>;

/** A connector with its rating, phases and minimum resolved; priority absent = the station's. */
export type ResolvedConnector = Required<Omit<ConnectorSpec, 'priority'>> & { priority?: number };

/** IEC 61851: the lowest current an AC charger can offer. */
const DEFAULT_MIN_CURRENT_A = 6;

/**
 * A station's connectors with every value resolved: listed ones inherit the station's rating and
 * phases where they give none; without a list, connectors 1..`connectorCount` (default 1).
 */
export function connectorsOf(s: StationSpec): ResolvedConnector[] {
  const listed = s.connectors ?? Array.from({ length: s.connectorCount ?? 1 }, (_, i): ConnectorSpec => ({ connectorId: i + 1 }));
  return listed.map((c) => ({
    connectorId: c.connectorId,
    maxCurrentA: c.maxCurrentA ?? s.maxCurrentA,
    phases: c.phases ?? s.phases,
    minCurrentA: c.minCurrentA ?? DEFAULT_MIN_CURRENT_A,
    priority: c.priority,
  }));
}
