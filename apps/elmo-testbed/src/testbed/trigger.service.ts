import { buildRegister, formatZodIssues } from '@cpo/oscp-protocol';
import { APP_CONFIG, ConflictError, ValidationError } from '@cpo/platform';
import { Inject, Injectable } from '@nestjs/common';
import { z } from 'zod';
import type { TestbedConfig } from '../config.js';
import { FpCaller, type CallResult } from './fp-caller.js';
import { dayAheadBlocks, emergencyBlock, negotiationDay } from './negotiation.js';
import { TestbedStore } from './testbed.store.js';

export const PURPOSES = ['negotiation_assign_capacity', 'negotiation_reply_request_additional_capacity', 'emergency_assign_capacity'] as const;

/** The trigger body exactly as the public testbed's seed shows it, plus the simulator's options. */
const TriggerBody = z.object({
  callback_url: z.url(),
  header: z.object({ authorization: z.string().min(1) }),
  purpose: z.enum(PURPOSES).optional(),
  group_id: z.string().min(1).optional(),
  capacity: z.number().nonnegative().optional(),
  /** Simulator extensions (not on the public testbed). */
  variant: z.enum(['nested', 'flat']).optional(),
  utc: z.boolean().optional(),
  /** 24 hourly kW for day-ahead purposes instead of one `capacity`: fractional, 0 or `null` (ELMO's failed prediction). */
  hourly: z.array(z.number().nonnegative().nullable()).length(24).optional(),
});
type TriggerBody = z.infer<typeof TriggerBody>;

/** `/trigger-callback/2.0/{register,handshake,update_group_capacity_forecast}`: make the testbed send a message. */
@Injectable()
export class TriggerService {
  constructor(
    private readonly store: TestbedStore,
    private readonly caller: FpCaller,
    @Inject(APP_CONFIG) private readonly config: TestbedConfig,
  ) {}

  async trigger(action: string, raw: unknown): Promise<CallResult> {
    const parsed = TriggerBody.safeParse(raw);
    if (!parsed.success) throw new ValidationError(formatZodIssues(parsed.error));
    const body = parsed.data;
    const scheme = new URL(body.callback_url).protocol;
    if (scheme !== 'https:' && !(scheme === 'http:' && this.config.ELMO_TESTBED_ALLOW_HTTP)) throw new ValidationError('callback_url must be https');
    switch (action) {
      case 'register':
        return this.caller.call(body.callback_url, body.header.authorization, buildRegister(this.store.acceptedToken, this.config.ELMO_TESTBED_BASE_URL));
      case 'handshake':
        return this.caller.call(
          body.callback_url,
          body.header.authorization,
          body.variant === 'flat' ? { measurement_configuration: ['CONTINUOUS'] } : { required_behaviour: { measurement_configuration: ['CONTINUOUS'] } },
        );
      case 'update_group_capacity_forecast':
        return this.forecast(body);
      default:
        throw new ValidationError(`unknown trigger ${action}`);
    }
  }

  private async forecast(body: TriggerBody): Promise<CallResult> {
    if (!body.purpose) throw new ValidationError('purpose is required');
    if (!body.group_id) throw new ValidationError('group_id is required');
    if (this.config.ELMO_TESTBED_REGISTER_MODE === 'elmo' && !this.store.connected) throw new ConflictError('the FP has not acknowledged a handshake');
    const groupId = body.group_id;
    this.store.groups.add(groupId);
    const now = this.store.clock.now();
    const day = negotiationDay(now);
    const key = this.store.negotiationKey(groupId, day);
    const send = (blocks: unknown[]) => this.caller.call(body.callback_url, body.header.authorization, { group_id: groupId, type: 'CONSUMPTION', forecasted_blocks: blocks });

    if (body.purpose === 'emergency_assign_capacity') {
      if (body.capacity === undefined || !Number.isInteger(body.capacity) || body.capacity <= 0) throw new ValidationError('emergency capacity must be an integer > 0');
      const block = emergencyBlock(now, body.capacity, body.utc);
      const result = await send([block]);
      // ELMO counts an emergency only if its delivery got a 204.
      if (result.callback_status === 204) this.store.emergencies.push({ groupId, startMs: Date.parse(block.start_time), endMs: Date.parse(block.end_time), kw: body.capacity });
      return result;
    }
    if (body.purpose === 'negotiation_assign_capacity') {
      const assigned = body.hourly ?? (body.capacity !== undefined ? new Array<number>(24).fill(body.capacity) : undefined);
      if (!assigned) throw new ValidationError('capacity is required');
      const result = await send(dayAheadBlocks(day, assigned));
      const ok = result.callback_status === 204;
      this.store.negotiations.set(key, { groupId, day, state: ok ? 'NEGOTIATING' : 'NEGOTIATING_FAILED', assignedKw: assigned.map((kw) => kw ?? 0), requestedKw: null });
      return result;
    }
    const negotiation = this.store.negotiations.get(key);
    const hourly = body.hourly ?? (body.capacity !== undefined ? new Array<number>(24).fill(body.capacity) : negotiation?.requestedKw);
    if (!hourly) throw new ValidationError('capacity is required when no adjust was received');
    const result = await send(dayAheadBlocks(day, hourly));
    if (negotiation) {
      negotiation.state = result.callback_status === 204 ? 'EXTRA_REPLY_FINISH' : 'EXTRA_REPLY_FAILED';
      if (result.callback_status === 204) negotiation.repliedKw = hourly.map((kw) => kw ?? 0);
    }
    return result;
  }
}
