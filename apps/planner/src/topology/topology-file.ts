import { stationIdProblem } from '@cpo/contracts';
import { z } from 'zod';

/**
 * The topology rules, one definition for the topology file and the operator API (both parse with
 * these schemas). Cross-field rules sit in refinements; the plain objects (`*Fields`) describe the
 * bodies in OpenAPI.
 */

/** Largest power a contract or an operator cap may name (100 MW): far above any site, far below a typo such as 1e308. */
export const MAX_POWER_KW = 100_000;

/** IEC 61851: the lowest current an AC charger can offer. */
const DEFAULT_MIN_CURRENT_A = 6;

/**
 * Cross-field rules run on a well-formed object only: zod would otherwise run them after a field
 * failed (a `connectorCount` of 1e9 would be expanded into a billion connectors).
 */
const WELL_FORMED = { when: (payload: { issues: readonly unknown[] }) => payload.issues.length === 0 };

/** An IANA zone name the runtime knows. Offsets (`+08:00`) are refused: PostgreSQL reads them with the POSIX sign, inverted. */
export function isTimeZone(zone: string): boolean {
  if (!/^[A-Za-z]/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch (err) {
    if (err instanceof RangeError) return false;
    throw err;
  }
}

/** The PostgreSQL `integer` columns (priorities, connector ids, ports): beyond them an insert fails with a 500. */
const INT32_MAX = 2_147_483_647;
const Int32 = z.number().int().min(-INT32_MAX - 1).max(INT32_MAX);

const StationIdText = z.string().superRefine((id, ctx) => {
  const problem = stationIdProblem(id);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

/** One connector of a station, when it differs from the station's defaults. */
export const ConnectorSpec = z.strictObject({
  connectorId: z.number().int().positive().max(INT32_MAX),
  maxCurrentA: z.number().positive().max(1000).optional(),
  phases: z.literal([1, 3]).optional(),
  minCurrentA: z.number().nonnegative().max(100).optional(),
  priority: Int32.optional(),
});
export type ConnectorSpec = z.infer<typeof ConnectorSpec>;

/** A station's fields without the cross-field rules (see StationSpec). */
export const StationFields = z.strictObject({
  stationId: StationIdText,
  maxCurrentA: z.number().positive().max(1000),
  phases: z.literal([1, 3]).default(3),
  priority: Int32.default(0),
  /** Absent: connectors 1..n get the station's rating and phases (n = `connectorCount`, default 1). */
  connectors: z.array(ConnectorSpec).min(1).optional(),
  /** With `connectors`, it must equal their number: a contradiction is refused rather than one silently winning. */
  connectorCount: z.number().int().positive().max(16).optional(),
});

/**
 * A station assigned to a group: its rating, phases, priority and connectors. Each connectorId once;
 * no connector whose minimum current exceeds its maximum (its own or the station's): such a
 * session could never be admitted, and would show a misleading hysteresis reason.
 */
export const StationSpec = StationFields.superRefine((s, ctx) => {
  if (s.connectors && s.connectorCount !== undefined && s.connectorCount !== s.connectors.length) {
    ctx.addIssue({ code: 'custom', path: ['connectorCount'], message: `must equal the number of connectors listed (${s.connectors.length}), or be left out` });
  }
  const seen = new Set<number>();
  s.connectors?.forEach((c, i) => {
    if (seen.has(c.connectorId)) ctx.addIssue({ code: 'custom', path: ['connectors', i, 'connectorId'], message: `connector ${c.connectorId} is listed twice` });
    seen.add(c.connectorId);
  });
  connectorsOf(s).forEach((c, i) => {
    if (c.minCurrentA <= c.maxCurrentA && c.minCurrentA <= s.maxCurrentA) return;
    const max = Math.min(c.maxCurrentA, s.maxCurrentA);
    if (s.connectors) ctx.addIssue({ code: 'custom', path: ['connectors', i, 'minCurrentA'], message: `must not exceed the connector's maximum current (${max} A)` });
    else if (i === 0) ctx.addIssue({ code: 'custom', path: ['maxCurrentA'], message: `must be at least the connectors' minimum current (${c.minCurrentA} A)` });
  });
}, WELL_FORMED);
export type StationSpec = z.infer<typeof StationSpec>;

/** A group's fields without the cross-field rules (see GroupSpec). */
export const GroupFields = z.strictObject({
  groupId: z.string().min(1).max(100),
  partnerId: z.string().min(1).optional(),
  contractKw: z.number().nonnegative().max(MAX_POWER_KW),
  nominalVoltageV: z.number().int().min(100).max(480).default(220),
  phases: z.literal([1, 3]).default(3),
  safetyMargin: z.number().min(0).max(0.5).default(0.05),
  timeZone: z.string().refine(isTimeZone, 'must be an IANA time zone, e.g. Asia/Taipei').default('Asia/Taipei'),
  stations: z.array(StationSpec).default([]),
  generation: z.array(z.strictObject({ transceiverId: z.string().min(1), port: z.number().int().nonnegative().max(INT32_MAX) })).default([]),
});

/** An OSCP group: what the grid contract allows and how the site is wired. A station appears once (a second entry would silently win). */
export const GroupSpec = GroupFields.superRefine((g, ctx) => {
  const seen = new Set<string>();
  g.stations.forEach((s, i) => {
    if (seen.has(s.stationId)) ctx.addIssue({ code: 'custom', path: ['stations', i, 'stationId'], message: `station ${s.stationId} is listed twice` });
    seen.add(s.stationId);
  });
}, WELL_FORMED);
export type GroupSpec = z.infer<typeof GroupSpec>;

/** A topology file (YAML or JSON) for demos and bulk set-up. */
export const TopologyFile = z.strictObject({ groups: z.array(GroupSpec).min(1) });
export type TopologyFile = z.infer<typeof TopologyFile>;

/** A connector with its rating, phases and minimum resolved; priority absent = the station's. */
export type ResolvedConnector = Required<Omit<ConnectorSpec, 'priority'>> & { priority?: number };

/**
 * A station's connectors with every value resolved: listed ones inherit the station's rating and
 * phases where they give none; without a list, connectors 1..`connectorCount` (default 1).
 */
export function connectorsOf(s: z.infer<typeof StationFields>): ResolvedConnector[] {
  const listed = s.connectors ?? Array.from({ length: s.connectorCount ?? 1 }, (_, i): ConnectorSpec => ({ connectorId: i + 1 }));
  return listed.map((c) => ({
    connectorId: c.connectorId,
    maxCurrentA: c.maxCurrentA ?? s.maxCurrentA,
    phases: c.phases ?? s.phases,
    minCurrentA: c.minCurrentA ?? DEFAULT_MIN_CURRENT_A,
    priority: c.priority,
  }));
}
