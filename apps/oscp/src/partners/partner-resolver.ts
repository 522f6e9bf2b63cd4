import { ConflictError, NotFoundError, ValidationError } from '@cpo/platform';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PartnerRepository, type Partner } from './partner.repository.js';

/** Finds the partner a bus event about a group is for: the one named, or the group's only provider. */
@Injectable()
export class PartnerResolver {
  constructor(
    private readonly partners: PartnerRepository,
    private readonly dataSource: DataSource,
  ) {}

  async forGroup(groupId: string, partnerId?: string): Promise<Partner> {
    const partner = await this.forGroupIfAny(groupId, partnerId);
    if (!partner) throw new ValidationError(`group ${groupId} is not configured for any partner`);
    return partner;
  }

  /**
   * As forGroup, but `undefined` when no partner is named and none is configured for the group:
   * a group of the planner that no capacity provider manages.
   */
  async forGroupIfAny(groupId: string, partnerId?: string): Promise<Partner | undefined> {
    let id = partnerId;
    if (!id) {
      const rows: { partner_id: string }[] = await this.dataSource.query(`SELECT partner_id FROM oscp_group WHERE group_id = $1`, [groupId]);
      if (rows.length === 0) return undefined;
      if (rows.length > 1) throw new ValidationError(`group ${groupId} belongs to several partners; name the partner`);
      id = rows[0].partner_id;
    }
    const partner = await this.partners.get(id);
    if (!partner) throw new NotFoundError(`partner ${id} not found`);
    return partner;
  }

  /** Operational messages need a connected partner; the bus consumer retries while it is not. */
  assertConnected(partner: Partner): void {
    if (partner.state !== 'CONNECTED') throw new ConflictError(`partner ${partner.name} is ${partner.state}, not CONNECTED`);
  }
}
