import { Injectable } from '@nestjs/common';
import type { ObjectModule, OcpiVersion, PartyRef } from '@cpo/ocpi-protocol';
import { DataSource, type EntityManager } from 'typeorm';
import { ObjectChanges } from './object-changes.js';

/** One cached object: the owner's body as sent, with its owner and identity. */
export interface CachedObject {
  module: ObjectModule;
  countryCode: string;
  partyId: string;
  objectId: string;
  objectType: string;
  data: Record<string, unknown>;
  sourceVersion: OcpiVersion;
  /** The single eMSP a Session or CDR belongs to (`CC*PID`); undefined = every agreed partner. */
  audience?: string | null;
}

/** A page entry: the owner and the object as stored JSON text. */
export interface PageItem {
  countryCode: string;
  partyId: string;
  sourceVersion: OcpiVersion;
  json: string;
  /** As on CachedObject: the one eMSP a Session or CDR belongs to. */
  audience: string | null;
}

export interface PageFilter {
  module: ObjectModule;
  /** Owners whose objects the reader may see. */
  owners: PartyRef[];
  /** The reader's parties, for `publish_allowed_to`. */
  readers: PartyRef[];
  dateFrom?: Date;
  dateTo?: Date;
  offset: number;
  limit: number;
}

interface Row {
  module: ObjectModule;
  country_code: string;
  party_id: string;
  object_id: string;
  object_type: string;
  data: Record<string, unknown>;
  source_version: OcpiVersion;
  audience: string | null;
}

const toObject = (r: Row): CachedObject => ({
  module: r.module,
  countryCode: r.country_code,
  partyId: r.party_id,
  objectId: r.object_id,
  objectType: r.object_type,
  data: r.data,
  sourceVersion: r.source_version,
  audience: r.audience,
});

// Unpublished Locations are visible only to the parties listed in publish_allowed_to (2.2.1);
// Sessions and CDRs only to the eMSP they belong to.
const VISIBLE = `(o.audience IS NULL OR o.audience IN (SELECT c || '*' || p FROM unnest($4::text[], $5::text[]) AS r(c, p))) AND (o.module <> 'locations' OR coalesce((o.data->>'publish')::boolean, true) OR EXISTS (
  SELECT 1 FROM jsonb_array_elements(coalesce(o.data->'publish_allowed_to', '[]'::jsonb)) e
  WHERE (upper(e->>'country_code'), upper(e->>'party_id')) IN (SELECT * FROM unnest($4::text[], $5::text[]))))`;

const MODULES: ObjectModule[] = ['locations', 'tariffs', 'tokens', 'sessions', 'cdrs'];

/** The hub's object cache in PostgreSQL; `seq` keeps creation order for stable pagination. */
@Injectable()
export class ObjectsRepository {
  constructor(
    private readonly db: DataSource,
    private readonly changes: ObjectChanges,
  ) {}

  /**
   * A transaction over the cache. After commit every module's generation moves at once, so a read
   * on this replica right after the pusher's 1000 never sees a page cached before the write (other
   * replicas learn it from the trigger's NOTIFY a moment later).
   */
  async transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    const result = await this.db.transaction(work);
    for (const m of MODULES) this.changes.bump(m);
    return result;
  }

  async get(module: ObjectModule, owner: PartyRef, objectId: string, objectType = '', tx: EntityManager = this.db.manager, forUpdate = false): Promise<CachedObject | undefined> {
    const rows: Row[] = await tx.query(
      `SELECT * FROM ocpi_object WHERE module = $1 AND country_code = $2 AND party_id = $3 AND object_id = $4 AND object_type = $5${forUpdate ? ' FOR UPDATE' : ''}`,
      [module, owner.countryCode, owner.partyId, objectId, objectType],
    );
    return rows[0] ? toObject(rows[0]) : undefined;
  }

  /** Objects with this id among the given owners (a 2.1.1 single GET has no owner in the URL). */
  async findAmong(module: ObjectModule, owners: PartyRef[], readers: PartyRef[], objectId: string, objectType?: string): Promise<CachedObject[]> {
    const rows: Row[] = await this.db.query(
      `SELECT * FROM ocpi_object o WHERE o.module = $1 AND (o.country_code, o.party_id) IN (SELECT * FROM unnest($2::text[], $3::text[]))
         AND ${VISIBLE} AND o.object_id = $6 AND ($7::text IS NULL OR o.object_type = $7) LIMIT 10`,
      [module, owners.map((o) => o.countryCode), owners.map((o) => o.partyId), readers.map((r) => r.countryCode), readers.map((r) => r.partyId), objectId, objectType ?? null],
    );
    return rows.map(toObject);
  }

  /** Inserts or replaces; `last_updated` is the owner's value, `seq` stays that of the first insert. */
  async upsert(tx: EntityManager, o: CachedObject, lastUpdated: Date): Promise<void> {
    this.changes.bump(o.module);
    await tx.query(
      `INSERT INTO ocpi_object (module, country_code, party_id, object_id, object_type, data, source_version, last_updated, audience)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9)
       ON CONFLICT (module, country_code, party_id, object_id, object_type)
       DO UPDATE SET data = EXCLUDED.data, source_version = EXCLUDED.source_version, last_updated = EXCLUDED.last_updated, audience = EXCLUDED.audience, updated_at = now()`,
      [o.module, o.countryCode, o.partyId, o.objectId, o.objectType, JSON.stringify(o.data), o.sourceVersion, lastUpdated, o.audience ?? null],
    );
  }

  async delete(tx: EntityManager, module: ObjectModule, owner: PartyRef, objectId: string, objectType = ''): Promise<boolean> {
    this.changes.bump(module);
    const [, count] = await tx.query(`DELETE FROM ocpi_object WHERE module = $1 AND country_code = $2 AND party_id = $3 AND object_id = $4 AND object_type = $5`, [module, owner.countryCode, owner.partyId, objectId, objectType]);
    return count > 0;
  }

  /**
   * One page plus the total matching the filters (ignoring offset and limit). Objects come back as
   * their stored JSON text, so the common case is sent without parsing and re-serialising.
   */
  async page(f: PageFilter): Promise<{ total: number; items: PageItem[] }> {
    if (f.owners.length === 0) return { total: 0, items: [] };
    const params = [f.module, f.owners.map((o) => o.countryCode), f.owners.map((o) => o.partyId), f.readers.map((r) => r.countryCode), f.readers.map((r) => r.partyId), f.dateFrom ?? null, f.dateTo ?? null];
    const where = `o.module = $1 AND (o.country_code, o.party_id) IN (SELECT * FROM unnest($2::text[], $3::text[])) AND ${VISIBLE}
      AND ($6::timestamptz IS NULL OR o.last_updated >= $6) AND ($7::timestamptz IS NULL OR o.last_updated < $7)`;
    const [rows, totals]: [{ country_code: string; party_id: string; source_version: OcpiVersion; data: string; audience: string | null }[], { n: number }[]] = await Promise.all([
      // Pick the page by seq first, so only its rows are turned into text (not every match before the
      // sort); the LATERAL lookup by seq keeps the planner from hashing the whole table for the join.
      this.db.query(
        `WITH p AS (SELECT o.seq FROM ocpi_object o WHERE ${where} ORDER BY o.seq OFFSET $8 LIMIT $9)
         SELECT x.* FROM p CROSS JOIN LATERAL (
           SELECT o.country_code, o.party_id, o.source_version, o.data::text AS data, o.audience FROM ocpi_object o WHERE o.seq = p.seq) x
         ORDER BY p.seq`,
        [...params, f.offset, f.limit],
      ),
      this.db.query(`SELECT count(*)::int AS n FROM ocpi_object o WHERE ${where}`, params),
    ]);
    return { total: totals[0].n, items: rows.map((r) => ({ countryCode: r.country_code, partyId: r.party_id, sourceVersion: r.source_version, json: r.data, audience: r.audience })) };
  }
}
