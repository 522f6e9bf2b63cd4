import {
  GroupCapacityComplianceErrorMessage,
  GroupCapacityForecastMessage,
  HandshakeMessage,
  RegisterMessage,
  UpdateGroupMeasurementsMessage,
  buildRegister,
  elmoAdjustProblems,
  elmoRegisterProblems,
  parseMessage,
  readRequestId,
  readTokenAuthorization,
} from '@cpo/oscp-protocol';
import { APP_CONFIG, ROOT_LOGGER } from '@cpo/platform';
import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { TestbedConfig } from '../config.js';
import { FpCaller } from './fp-caller.js';
import { adjustVerdict, keptHourlyKw, negotiationDay } from './negotiation.js';
import { TestbedStore } from './testbed.store.js';

export type CpAction = 'register' | 'handshake_acknowledge' | 'adjust_group_capacity_forecast' | 'group_capacity_compliance_error' | 'update_group_measurements' | 'heartbeat';

export interface CpRequest {
  method: 'POST' | 'PUT' | 'DELETE';
  action: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export type CpAnswer = { status: 204 } | { status: number; message: string };

const ACTIONS = new Set<string>(['register', 'handshake_acknowledge', 'adjust_group_capacity_forecast', 'group_capacity_compliance_error', 'update_group_measurements', 'heartbeat']);
const bad = (status: number, message: string): CpAnswer => ({ status, message });

/** ELMO's capacity-provider endpoints with its checks in its order (guide §7.1). */
@Injectable()
export class CpService {
  private readonly logger: Logger;

  constructor(
    private readonly store: TestbedStore,
    private readonly caller: FpCaller,
    @Inject(APP_CONFIG) private readonly config: TestbedConfig,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.logger = root.child({ component: 'elmo-cp' });
  }

  handle(req: CpRequest): CpAnswer {
    const answer = this.check(req);
    const requestId = readRequestId(req.headers['x-request-id']) ?? '';
    const correlationId = readRequestId(req.headers['x-correlation-id']);
    this.store.record({
      direction: 'in',
      method: req.method,
      path: `/oscp/2.0/${req.action}`,
      headers: { 'x-request-id': requestId, ...(correlationId ? { 'x-correlation-id': correlationId } : {}) },
      body: req.body,
      status: answer.status,
    });
    return answer;
  }

  private check(req: CpRequest): CpAnswer {
    if (!ACTIONS.has(req.action) || (req.method !== 'POST' && req.action !== 'register')) return bad(404, 'not found');
    const requestId = readRequestId(req.headers['x-request-id']);
    if (!requestId) return bad(403, 'missing X-Request-ID');
    const auth = readTokenAuthorization(req.headers.authorization);
    if (!auth.ok) return bad(auth.status, auth.message);
    if (auth.token !== this.store.acceptedToken) return bad(403, 'unknown token');
    if (!this.store.connected && req.action !== 'register' && req.action !== 'handshake_acknowledge') return bad(403, 'not connected');
    const correlationId = readRequestId(req.headers['x-correlation-id']);
    const at = this.store.clock.now().toISOString();
    switch (req.action as CpAction) {
      case 'register':
        return this.register(req.method, req.body);
      case 'handshake_acknowledge': {
        const parsed = parseMessage(HandshakeMessage, req.body);
        if (!parsed.ok) return bad(400, parsed.message);
        if (!correlationId) return bad(400, 'missing X-Correlation-ID');
        this.store.acks.push({ requestId, correlationId, body: req.body, at });
        this.store.connected = true;
        return { status: 204 };
      }
      case 'group_capacity_compliance_error': {
        const parsed = parseMessage(GroupCapacityComplianceErrorMessage, req.body);
        if (!parsed.ok) return bad(400, parsed.message);
        if (!correlationId) return bad(400, 'missing X-Correlation-ID');
        this.store.complianceErrors.push({ requestId, correlationId, body: req.body, at });
        return { status: 204 };
      }
      case 'adjust_group_capacity_forecast':
        return this.adjust(requestId, req.body);
      case 'update_group_measurements': {
        const parsed = parseMessage(UpdateGroupMeasurementsMessage, req.body);
        if (!parsed.ok) return bad(400, parsed.message);
        if (!this.store.groups.has(parsed.value.group_id)) return bad(400, `unknown group_id ${parsed.value.group_id}`);
        const list = this.store.measurements.get(parsed.value.group_id) ?? [];
        list.push(...parsed.value.measurements.map((m) => ({ ...m, requestId, receivedAt: at })));
        this.store.measurements.set(parsed.value.group_id, list);
        return { status: 204 };
      }
      case 'heartbeat':
        // ELMO has no heartbeat route; the testbed accepts it for generic-profile experiments.
        return { status: 204 };
    }
  }

  private register(method: CpRequest['method'], body: unknown): CpAnswer {
    const parsed = parseMessage(RegisterMessage, body);
    if (!parsed.ok) return bad(400, parsed.message);
    const problems = elmoRegisterProblems(parsed.value, { allowHttp: this.config.ELMO_TESTBED_ALLOW_HTTP });
    if (problems.length) return bad(400, problems.join('; '));
    if (method === 'DELETE') {
      this.store.fpToken = this.store.fpBaseUrl = null;
      this.store.connected = false;
      return { status: 204 };
    }
    this.store.fpToken = parsed.value.token;
    this.store.fpBaseUrl = parsed.value.version_url[0].base_url;
    if (method === 'POST' && this.config.ELMO_TESTBED_REGISTER_MODE === 'elmo') {
      const token = this.store.rotateToken();
      const fpUrl = this.store.fpBaseUrl;
      const fpToken = this.store.fpToken;
      // As ELMO: the reply leaves right after our 204, the handshake 5 s after a delivered reply.
      setImmediate(() => {
        void this.caller.call(`${fpUrl}/register`, fpToken, buildRegister(token, this.config.ELMO_TESTBED_BASE_URL)).then((r) => {
          if (r.callback_status !== 204) return this.logger.warn({ status: r.callback_status }, 'register reply not delivered; no handshake');
          setTimeout(() => void this.caller.call(`${fpUrl}/handshake`, fpToken, { required_behaviour: { measurement_configuration: ['CONTINUOUS'] } }), this.config.ELMO_TESTBED_HANDSHAKE_DELAY_MS).unref();
        });
      });
    }
    return { status: 204 };
  }

  private adjust(requestId: string, body: unknown): CpAnswer {
    const parsed = parseMessage(GroupCapacityForecastMessage, body);
    if (!parsed.ok) return bad(400, parsed.message);
    const problems = elmoAdjustProblems(parsed.value);
    if (problems.length) return bad(400, problems.slice(0, 5).join('; '));
    const day = negotiationDay(this.store.clock.now());
    const negotiation = this.store.negotiations.get(this.store.negotiationKey(parsed.value.group_id, day));
    const verdict = adjustVerdict(negotiation);
    if (verdict.status !== 204) return verdict;
    const hourlyKw = keptHourlyKw(parsed.value.forecasted_blocks);
    negotiation!.state = 'EXTRA_REQUEST';
    negotiation!.requestedKw = hourlyKw;
    this.store.adjusts.push({ requestId, groupId: parsed.value.group_id, day, hourlyKw, body, at: this.store.clock.now().toISOString() });
    return { status: 204 };
  }
}
