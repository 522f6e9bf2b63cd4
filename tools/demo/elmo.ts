/**
 * The ELMO side of the demo: the testbed as our capacity provider (register → handshake, as in
 * apps/oscp/test/harness.ts) and its trigger endpoints, which make it send exactly what ELMO sends.
 */
import { randomUUID } from 'node:crypto';
import { buildRegister, tokenAuthorization } from '@cpo/oscp-protocol';
import { call, DemoError, ok, until, type Json } from './platform.js';

export interface ElmoLink {
  partnerId: string;
  /** The token the testbed presents to oscp (ours, given in our Register). */
  fpToken: string;
  oscp: string;
  testbed: string;
}

/** Creates a partner for this run (testbed mode: the T0 stays valid), its groups, and connects. */
export async function connectElmo(oscp: string, testbed: string, runId: string, groups: { groupId: string; contractKw: number; stationIds: string[] }[]): Promise<ElmoLink> {
  // The testbed may be pinned to another instant by an earlier session; the platform runs on the wall clock.
  const state = await ok(testbed, 'GET', '/_sim/state');
  if (Math.abs(Date.parse(state.now) - Date.now()) > 5000) await ok(testbed, 'POST', '/_sim/clock', { now: null });
  const partner = await ok(oscp, 'POST', '/api/v1/oscp/partners', {
    name: `demo-elmo-testbed-${runId}`,
    profile: 'elmo',
    baseUrl: `${testbed}/oscp/2.0`,
    initialToken: 'ELMO-TESTBED-TOKEN',
    ourBaseUrl: `${oscp}/oscp/fp/2.0`,
  });
  const partnerId: string = partner.id;
  for (const g of groups) await ok(oscp, 'PUT', `/api/v1/oscp/partners/${partnerId}/groups/${g.groupId}`, { contractCapacityKw: g.contractKw, stations: g.stationIds });
  // A real capacity provider knows its groups from the contract; the testbed learns them here (else
  // it refuses the first minute's measurements, sent before its day-ahead step, as unknown groups).
  for (const g of groups) await ok(testbed, 'POST', '/_sim/groups', { group_id: g.groupId });
  await ok(oscp, 'POST', `/api/v1/oscp/partners/${partnerId}/register`);
  const partnerState = async () => (await ok(oscp, 'GET', `/api/v1/oscp/partners/${partnerId}`)).state as string;
  await until(async () => ['REGISTER_SENT', 'REGISTERED', 'CONNECTED'].includes(await partnerState()), 'oscp to send its Register to the testbed');
  const log: Json[] = await ok(testbed, 'GET', '/_sim/log?direction=in');
  const register = log.filter((e) => e.path === '/oscp/2.0/register' && e.body?.token).at(-1);
  if (!register) throw new DemoError('the testbed received no Register from oscp');
  const fpToken: string = register.body.token;
  const callback = `${oscp}/oscp/fp/2.0`;
  for (const action of ['register', 'handshake']) {
    const r = await ok(testbed, 'POST', `/trigger-callback/2.0/${action}`, { callback_url: `${callback}/${action}`, header: { authorization: fpToken } });
    if (r.callback_status !== 204) throw new DemoError(`the testbed's ${action} was refused by oscp: ${JSON.stringify(r)}`);
  }
  await until(async () => (await partnerState()) === 'CONNECTED', 'the OSCP connection (handshake acknowledged)');
  return { partnerId, fpToken, oscp, testbed };
}

export type Purpose = 'negotiation_assign_capacity' | 'negotiation_reply_request_additional_capacity' | 'emergency_assign_capacity';

export interface Sent {
  status: number;
  requestId?: string;
  blocks: { start_time: string; end_time: string; capacity: number | null }[];
  error?: string;
}

/** Makes the testbed send one UpdateGroupCapacityForecast to oscp; returns oscp's answer status. */
export async function trigger(link: ElmoLink, groupId: string, purpose: Purpose, capacity: { kw?: number; hourly?: number[] }): Promise<Sent> {
  const r = await call(link.testbed, 'POST', '/trigger-callback/2.0/update_group_capacity_forecast', {
    callback_url: `${link.oscp}/oscp/fp/2.0/update_group_capacity_forecast`,
    header: { authorization: link.fpToken },
    purpose,
    group_id: groupId,
    ...(capacity.kw !== undefined ? { capacity: capacity.kw } : {}),
    ...(capacity.hourly ? { hourly: capacity.hourly } : {}),
  });
  if (r.status !== 200) throw new DemoError(`testbed trigger ${purpose}: ${r.status} ${JSON.stringify(r.body)}`);
  return { status: r.body.callback_status, requestId: r.body.request_id, blocks: r.body.sent_body?.forecasted_blocks ?? [], error: r.body.error };
}

/** How oscp classified a forecast it received (GET /api/v1/oscp/forecasts), by the testbed's request id. */
export async function classification(link: ElmoLink, groupId: string, requestId: string | undefined): Promise<{ kind: string; day?: string; late?: boolean } | undefined> {
  const list: Json[] = await ok(link.oscp, 'GET', `/api/v1/oscp/forecasts?partnerId=${link.partnerId}&groupId=${encodeURIComponent(groupId)}&limit=20`);
  return list.find((f) => f.requestId === requestId) ?? undefined;
}

/** The adjust as the testbed received it, and how the negotiation stands there. */
export async function negotiation(link: ElmoLink, groupId: string, day: string): Promise<Json | undefined> {
  const state = await ok(link.testbed, 'GET', '/_sim/state');
  return (state.negotiations as Json[]).find((n) => n.groupId === groupId && n.day === day);
}

/**
 * Ends the run's OSCP registration the way a provider does: `DELETE register` to oscp. Left
 * CONNECTED, the partner would get per-minute measurements from oscp for ever, towards a testbed
 * that may be gone. The testbed has no trigger for it, so the demo sends the provider's message
 * itself, with the token the testbed uses; it changes nothing but this partner's state.
 */
export async function endRegistration(link: ElmoLink): Promise<boolean> {
  const res = await fetch(`${link.oscp}/oscp/fp/2.0/register`, {
    method: 'DELETE',
    headers: { authorization: tokenAuthorization(link.fpToken), 'x-request-id': randomUUID(), 'content-type': 'application/json' },
    body: JSON.stringify(buildRegister('ELMO-TESTBED-TOKEN', '/oscp/2.0')),
    signal: AbortSignal.timeout(10_000),
  }).catch(() => undefined);
  return res?.status === 204;
}
