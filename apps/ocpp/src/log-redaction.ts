import { createHash } from 'node:crypto';

/**
 * What a log line carries instead of an idTag. A tag (an RFID card's UID, an eMAID) is personal
 * data, linkable to a person: in clear it would spread into every log store and backup, kept
 * longer and read by more people than the tables that need it. This pseudonym still lets an
 * operator follow one card across lines (the same tag, in any case, gives the same ref) and find
 * the lines of a card they know: compute the same ref (docs/ocpp.md, "Logging").
 *
 * Lower-cased first: IdToken is a CiString, and a charger may send `04a1…` one day and `04A1…` the
 * next (Redis keys and lookups compare it so too). Unkeyed, so anyone can compute it without a
 * secret; that also means a short UID can be found again by trying every value, so this keeps tags
 * out of casual reading and of the log pipeline, not from someone set on reversing them. 12 hex
 * digits (48 bits): no two of a few million tags share one in practice. Computed only when a line
 * is written, never on the MeterValues/StatusNotification path.
 */
export function idTagRef(idTag: string): string {
  return createHash('sha256').update(idTag.toLowerCase()).digest('hex').slice(0, 12);
}
