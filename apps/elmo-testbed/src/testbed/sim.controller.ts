import { formatZodIssues } from '@cpo/oscp-protocol';
import { ValidationError } from '@cpo/platform';
import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { quarterView } from './compliance.js';
import { TestbedStore } from './testbed.store.js';

const ClockBody = z.object({ now: z.iso.datetime({ offset: true }).nullable() });
const FaultBody = z.object({ action: z.string().min(1).optional(), status: z.number().int().min(100).max(599).optional(), delayMs: z.number().int().min(0).max(120_000).optional(), count: z.number().int().min(0).max(1000) });
const GroupBody = z.object({ group_id: z.string().min(1) });

function parse<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new ValidationError(formatZodIssues(parsed.error));
  return parsed.data;
}

/** The simulator's own API: what it received, its state, its clock and fault injection. */
@ApiTags('elmo-sim')
@Controller('_sim')
export class SimController {
  constructor(private readonly store: TestbedStore) {}

  @Get('log')
  @ApiOperation({ summary: 'Every exchange in both directions, with request and correlation ids' })
  log(@Query('direction') direction?: string) {
    return this.store.log.filter((e) => !direction || e.direction === direction);
  }

  @Get('received')
  @ApiOperation({ summary: 'Acknowledges, adjust requests, compliance errors and measurements received' })
  received() {
    return {
      acks: this.store.acks,
      adjusts: this.store.adjusts,
      complianceErrors: this.store.complianceErrors,
      measurements: Object.fromEntries(this.store.measurements),
    };
  }

  @Get('compliance/:groupId')
  @ApiOperation({ summary: '15-minute average kW from the received register against the effective limit' })
  compliance(@Param('groupId') groupId: string) {
    const points = (this.store.measurements.get(groupId) ?? []).map((m) => ({ atMs: Date.parse(m.measure_time), kwh: m.unit === 'WH' ? m.value / 1000 : m.value }));
    return quarterView(points, (day) => this.store.negotiations.get(this.store.negotiationKey(groupId, day)), this.store.emergencies.filter((e) => e.groupId === groupId));
  }

  @Get('state')
  state() {
    return {
      now: this.store.clock.now().toISOString(),
      connected: this.store.connected,
      fpBaseUrl: this.store.fpBaseUrl,
      registered: this.store.fpToken !== null,
      groups: [...this.store.groups],
      negotiations: [...this.store.negotiations.values()],
    };
  }

  @Post('clock')
  @HttpCode(200)
  @ApiOperation({ summary: 'Pin the simulated clock ({now: ISO} or {now: null} for the wall clock)' })
  clock(@Body() body: unknown) {
    this.store.clock.set(parse(ClockBody, body).now);
    return { now: this.store.clock.now().toISOString() };
  }

  @Post('faults')
  @HttpCode(200)
  @ApiOperation({ summary: 'Answer the next `count` FP calls with `status` and/or after `delayMs`' })
  faults(@Body() body: unknown) {
    const f = parse(FaultBody, body);
    this.store.fault = { action: f.action, status: f.status, delayMs: f.delayMs, remaining: f.count };
    return this.store.fault;
  }

  @Post('groups')
  @HttpCode(204)
  group(@Body() body: unknown) {
    this.store.groups.add(parse(GroupBody, body).group_id);
  }

  @Post('reset')
  @HttpCode(204)
  reset() {
    this.store.reset();
  }
}
