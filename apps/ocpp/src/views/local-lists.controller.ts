import { Get, Param, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { OperatorController } from '@cpo/platform';
import { ApiInvalidRequest, ApiPageResponse } from './api-responses.js';
import { IdTagParam, PageQuery, StationIdParam } from './dto.js';
import { LocalListViewsRepository } from './local-list-views.repository.js';
import { stationNotFound } from './station-views.service.js';

const ID_TAG_INFO_SCHEMA = { type: 'object', description: 'The IdTagInfo the list holds for the tag, as sent in SendLocalList', additionalProperties: true };
const CERTAIN =
  'Whether the entries are known to be what the charger holds: false after an update that may have reached it unanswered (the old entries and the update\'s are kept, what it may hold), a version it reported that is not ours, or a list never sent in full since entries were recorded';

const REPAIR_PENDING =
  'An update to the list went unanswered and the list is not certain until the charger reports its version (asked automatically at its next connection or boot, and every 5 minutes while connected): its version settles the update as applied, the version before it as not applied, and the entries are certain again; any other version leaves them uncertain (false then, and only a Full list makes them certain)';

const SYNC_NEEDED =
  'The token was changed or deleted through the API since this entry was sent and the charger has not accepted the update yet (offline, update refused or failed, or a list not certain: only a Full list fixes that)';

/** A station holding a token in its local list. */
const HELD_ENTRY_SCHEMA = {
  type: 'object',
  required: ['stationId', 'idTag', 'idTagInfo', 'certain', 'listVersion', 'syncNeeded', 'repairPending'],
  properties: {
    stationId: { type: 'string' },
    idTag: { type: 'string', description: 'The tag as the list holds it (its case may differ from the token\'s)' },
    idTagInfo: ID_TAG_INFO_SCHEMA,
    certain: { type: 'boolean', description: CERTAIN },
    listVersion: { type: 'integer', nullable: true, description: 'The version of the station\'s list; null: unknown' },
    syncNeeded: { type: 'boolean', description: SYNC_NEEDED },
    repairPending: { type: 'boolean', description: REPAIR_PENDING },
  },
};

/** What each charger's local authorisation list holds, as our accepted SendLocalList updates left it. */
@OperatorController('id-tags')
export class IdTagLocalListsController {
  constructor(private readonly lists: LocalListViewsRepository) {}

  @Get(':idTag/local-lists')
  @ApiOperation({
    summary: 'The stations whose local authorisation list holds the token (compared without case), with the IdTagInfo they hold',
    description:
      'Answered for a token deleted or never stored too (200, possibly no items): a charger holding it still accepts it from its list. unknownLists: stations whose list content is not known and holds no recorded entry of the token (they may hold it)',
  })
  @ApiOkResponse({
    description: 'Stations by id',
    schema: {
      type: 'object',
      required: ['items', 'total', 'offset', 'limit', 'unknownLists'],
      properties: {
        items: { type: 'array', items: HELD_ENTRY_SCHEMA },
        total: { type: 'integer', minimum: 0 },
        offset: { type: 'integer', minimum: 0 },
        limit: { type: 'integer', minimum: 1 },
        unknownLists: { type: 'integer', minimum: 0 },
      },
    },
  })
  @ApiInvalidRequest('An idTag that is not 1–20 characters, or an offset or limit out of range')
  holding(@Param() p: IdTagParam, @Query() q: PageQuery) {
    return this.lists.holding(p.idTag, q.offset, q.limit);
  }
}

/** A station's local authorisation list: version, last update and entries. */
@OperatorController('stations')
export class StationLocalListController {
  constructor(private readonly lists: LocalListViewsRepository) {}

  @Get(':stationId/local-list')
  @ApiOperation({ summary: "The station's local authorisation list: its version, last update and the entries it holds, by tag" })
  @ApiPageResponse('Entries of the list, by tag (the list\'s fields beside the page: listVersion, updateType, status, entries, certain, repairPending, updatedAt; repairPending: ' + REPAIR_PENDING + ')', {
    type: 'object',
    properties: { idTag: { type: 'string' }, idTagInfo: ID_TAG_INFO_SCHEMA, syncNeeded: { type: 'boolean', description: SYNC_NEEDED } },
  })
  @ApiNotFoundResponse({ description: 'No station with this id' })
  @ApiInvalidRequest('An offset or limit out of range')
  async stationList(@Param() { stationId }: StationIdParam, @Query() q: PageQuery) {
    const list = await this.lists.stationList(stationId, q.offset, q.limit);
    if (!list) throw stationNotFound(stationId);
    return list;
  }
}
