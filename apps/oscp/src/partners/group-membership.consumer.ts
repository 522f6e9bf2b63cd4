import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Streams, Subjects } from '@cpo/contracts';
import { ConsumerHost } from '@cpo/messaging';
import { GroupRepository } from './group.repository.js';

/** Which stations make up each group comes from the planner, which owns that mapping. */
@Injectable()
export class GroupMembershipConsumer implements OnModuleInit {
  constructor(
    private readonly consumers: ConsumerHost,
    private readonly groups: GroupRepository,
  ) {}

  onModuleInit(): void {
    this.consumers.register<typeof Subjects.PlannerGroupTopologyChanged>({
      durable: 'oscp-group-membership',
      stream: Streams.PLANNER,
      filterSubject: Subjects.PlannerGroupTopologyChanged,
      handler: (event, tx) => {
        const e = event.payload;
        return this.groups.applyMembership(tx, e.groupId, e.deleted ? [] : e.stationIds, new Date(e.changedAt));
      },
    });
  }
}
