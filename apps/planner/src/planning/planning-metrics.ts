import { Injectable } from '@nestjs/common';
import { MetricsService } from '@cpo/platform';
import { Counter, Gauge, Histogram } from 'prom-client';

/** What operators watch on the planning loop, per group. */
@Injectable()
export class PlanningMetrics {
  readonly rounds: Histogram;
  readonly plans: Counter;
  readonly limit: Gauge;
  readonly allocated: Gauge;
  readonly uncontrolled: Gauge;
  readonly infeasible: Counter;

  constructor(metrics: MetricsService) {
    const registers = [metrics.registry];
    this.rounds = new Histogram({
      name: 'planner_round_duration_seconds',
      help: 'One planning round of a group: load, allocate every known step, store and enqueue',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.plans = new Counter({ name: 'planner_station_plans_total', help: 'Station limit plans published, by reason and direction', labelNames: ['reason', 'direction'], registers });
    this.limit = new Gauge({ name: 'planner_round_limit_watts', help: 'Effective limit of the group now (W)', labelNames: ['group'], registers });
    this.allocated = new Gauge({ name: 'planner_round_allocated_watts', help: 'Power allocated to sessions plus uncontrolled load (W)', labelNames: ['group'], registers });
    this.uncontrolled = new Gauge({ name: 'planner_round_uncontrolled_watts', help: 'Load of chargers we cannot steer, counted at their rating (W)', labelNames: ['group'], registers });
    this.infeasible = new Counter({ name: 'planner_infeasible_incidents_total', help: 'capacity.compliance.failed events published (infeasible limits)', labelNames: ['group'], registers });
  }
}
