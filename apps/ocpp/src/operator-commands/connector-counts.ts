import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/**
 * The NumberOfConnectors each station reported (its stored configuration, read at onboarding; the
 * key a CiString, matched in any case), for the operator rule that refuses a connector it lacks.
 * One query for a whole bulk request.
 */
@Injectable()
export class ConnectorCounts {
  constructor(private readonly db: DataSource) {}

  /** Of these stations, those whose count is known: a positive whole number (any other value is a charger's, not one to refuse by). */
  async of(stationIds: readonly string[]): Promise<Map<string, number>> {
    const rows: { id: string; value: string }[] = await this.db.query(
      `SELECT s.id, e.value->>'value' AS value FROM stations s,
              jsonb_each(CASE WHEN jsonb_typeof(s.configuration) = 'object' THEN s.configuration ELSE '{}'::jsonb END) AS e
        WHERE s.id = ANY($1::text[]) AND lower(e.key) = 'numberofconnectors' AND e.value->>'value' ~ '^\\s*[0-9]{1,6}\\s*$'`,
      [[...stationIds]],
    );
    const counts = new Map<string, number>();
    for (const { id, value } of rows) {
      const count = Number(value.trim());
      if (count > 0) counts.set(id, count);
    }
    return counts;
  }
}
