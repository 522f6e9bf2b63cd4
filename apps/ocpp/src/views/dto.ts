import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsDate, IsIn, IsInt, IsObject, IsOptional, IsString, Length, Matches, Max, Min, ValidateBy, ValidateIf } from 'class-validator';
import { OptionalNonNull, QueryInt } from '@cpo/platform';
import { IMPLEMENTED_SUBPROTOCOLS } from '../config.js';
import { decodeMeterValueCursor, type MeterValueCursor } from './meter-value-cursor.js';

/** Range of the PostgreSQL `integer` columns and parameters these filters are compared with. */
const INT32_MAX = 2_147_483_647;
const INT32_MIN = -2_147_483_648;

/**
 * ISO 8601 date-time with its offset (`Z` or ±hh:mm). A time without one would be read in the
 * server's own zone, and `new Date` takes numbers (epoch milliseconds) and odd strings (`"12"` is
 * 1 December 2001): an operator's mistake must be a 400, not a silently wrong range or expiry.
 */
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * The instant an ISO 8601 date-time names, or undefined. `new Date` rolls a day that does not
 * exist over (`2024-02-30` is 1 March, `24:00` the next day): the written date and time must be
 * a real one, checked field by field as written (before the offset is applied).
 */
function isoDateTime(value: string): Date | undefined {
  const m = ISO_DATE_TIME.exec(value);
  if (!m) return undefined;
  const [year, month, day, hour, minute] = m.slice(1, 6).map(Number) as [number, number, number, number, number];
  const wall = new Date(Date.UTC(year, month - 1, day, hour, minute));
  wall.setUTCFullYear(year); // Date.UTC reads years 0–99 as 1900–1999
  const real = wall.getUTCFullYear() === year && wall.getUTCMonth() === month - 1 && wall.getUTCDate() === day && wall.getUTCHours() === hour && wall.getUTCMinutes() === minute;
  return real ? new Date(value) : undefined;
}

/** An optional date-time field (query or body): only ISO 8601 with a time zone becomes a Date. */
function OptionalIsoDateTime(description?: string): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ type: String, format: 'date-time', description: `${description ? `${description}; ` : ''}ISO 8601 with Z or ±hh:mm (+ encoded as %2B in a query)` }),
    IsOptional(),
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? (isoDateTime(value) ?? value) : value)),
    IsDate({ message: ({ property }) => `${property} must be an ISO 8601 date-time with a time zone, e.g. 2026-01-31T22:00:00Z` }),
  );
}

/**
 * `to` of a range [from, to): not before `from`. A backwards range (the two swapped, or an offset
 * misread) selects nothing and would read as "no data"; it is a 400 naming `to`. Compared as instants,
 * and only when both are valid dates (an invalid `from` is reported as itself).
 */
function NotBeforeFrom(fromField = 'from'): PropertyDecorator {
  return ValidateBy({
    name: 'notBeforeFrom',
    validator: {
      validate: (to: unknown, args) => {
        const from = (args?.object as Record<string, unknown>)[fromField];
        return !(to instanceof Date && from instanceof Date) || Number.isNaN(from.getTime()) || to.getTime() >= from.getTime();
      },
      defaultMessage: (args) => `${args?.property ?? 'to'} must not be before ${fromField}`,
    },
  });
}

export class PageQuery {
  // `type` stated: a field with an initialiser has no design type for swagger to read.
  @ApiPropertyOptional({ type: 'integer', default: 0, minimum: 0, maximum: INT32_MAX })
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(0)
  @Max(INT32_MAX)
  offset = 0;

  @ApiPropertyOptional({ type: 'integer', default: 100, minimum: 1, maximum: 1000 })
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(1)
  @Max(1000)
  limit = 100;
}

/**
 * PostgreSQL text cannot hold U+0000: sent as a query parameter it fails the statement (a 500). No
 * station id, token or message kind holds one, so a value with it is the operator's mistake: a 400.
 */
const NoNul = () =>
  ValidateBy({
    name: 'noNul',
    validator: { validate: (value: unknown) => typeof value !== 'string' || !value.includes('\u0000'), defaultMessage: (args) => `${args?.property ?? 'value'} must not contain a NUL character` },
  });

/** A station id in a path: any text (an unknown one is a 404), but none that PostgreSQL cannot compare. */
export class StationIdParam {
  @ApiProperty({ description: 'station id, exact' })
  @IsString()
  @NoNul()
  stationId!: string;
}

/**
 * Text filters are bounded like what they are compared with: a value no row can hold (empty, as a
 * form sends an unset field, or longer than a station id or a stored idTag) matched nothing and read
 * as "no data"; it is a 400 naming the filter.
 */
const StationIdFilter = () =>
  applyDecorators(ApiPropertyOptional({ minLength: 1, maxLength: 48, description: 'station id, exact' }), IsOptional(), IsString(), Length(1, 48), NoNul());

/**
 * The longest idTag a transaction is stored with. Not the IdToken's 20: a start is stored whatever its
 * tag up to the connection's core-field bound (coreFieldProblem: a start refused there would be lost),
 * and such a session was answered Invalid but could not be looked up by its tag.
 */
const STORED_ID_TAG_MAX = 255;

export class TransactionQuery extends PageQuery {
  @StationIdFilter() stationId?: string;
  @ApiPropertyOptional({ minLength: 1, maxLength: STORED_ID_TAG_MAX, description: 'The idTag the transaction started with, compared without case (an IdToken has at most 20 characters; a charger may start one with up to 255)' })
  @IsOptional()
  @IsString()
  @Length(1, STORED_ID_TAG_MAX)
  @NoNul()
  idTag?: string;
  @OptionalIsoDateTime('started at or after') from?: Date;
  @OptionalIsoDateTime('started before') @NotBeforeFrom() to?: Date;
  /**
   * "Which sessions were running during the grid emergency at 14:00?": `from`/`to` select by start,
   * so a session started the evening before and charging through the window was not listed.
   */
  @OptionalIsoDateTime('running at some time in [activeFrom, activeTo]: stopped after it (a session whose stop was lost: not over by then by the stopLost rule)') activeFrom?: Date;
  @OptionalIsoDateTime('running at some time in [activeFrom, activeTo]: started at or before it; activeFrom = activeTo asks for the sessions running at that instant')
  @NotBeforeFrom('activeFrom')
  activeTo?: Date;
  @ApiPropertyOptional({ description: 'only running (true) or finished (false) transactions; one whose stop was lost (stopLost) counts as finished' })
  @IsOptional()
  @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  active?: boolean;
}

export class ReservationQuery extends PageQuery {
  @StationIdFilter() stationId?: string;
}

export class StationMessageQuery extends PageQuery {
  @ApiPropertyOptional({ minLength: 1, maxLength: 64, description: 'only messages of this action, e.g. SecurityEventNotification, SignCertificate, DataTransfer' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  @NoNul()
  kind?: string;
}

/**
 * The deepest `offset` of the meter values: a page at offset n reads and expands the n samples
 * before it (490,000: 16 s), so an export paged by offset cost O(n²). Deeper pages follow `next`.
 */
export const METER_VALUE_MAX_OFFSET = 100_000;

const isDecodedCursor = (value: unknown): value is MeterValueCursor => typeof value === 'object' && value !== null && !Array.isArray(value) && 'at' in value;

export class MeterValueQuery {
  @OptionalIsoDateTime('sampled at or after') from?: Date;
  @OptionalIsoDateTime('sampled before') @NotBeforeFrom() to?: Date;
  @ApiPropertyOptional({ type: 'integer', minimum: INT32_MIN, maximum: INT32_MAX }) @IsOptional() @QueryInt() @IsInt() @Min(INT32_MIN) @Max(INT32_MAX) transactionId?: number;
  @ApiPropertyOptional({ type: 'integer', default: 0, minimum: 0, maximum: METER_VALUE_MAX_OFFSET, description: 'samples to skip; deeper pages: `after`' })
  @IsOptional()
  @QueryInt()
  @IsInt()
  @Min(0)
  @Max(METER_VALUE_MAX_OFFSET)
  offset = 0;
  @ApiPropertyOptional({ type: 'integer', default: 1000, minimum: 1, maximum: 10000 }) @IsOptional() @QueryInt() @IsInt() @Min(1) @Max(10_000) limit = 1000;
  @ApiPropertyOptional({
    type: String,
    maxLength: 200,
    description: 'The `next` of the previous page (with the same from, to and transactionId): the page starts right after its last sample. Not with an offset',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' && value.length <= 200 ? (decodeMeterValueCursor(value) ?? value) : value))
  @ValidateBy({
    name: 'meterValueCursor',
    validator: {
      // Decoded by the Transform above: anything else (a made-up or mangled cursor, a repeated parameter) is still as sent.
      validate: (after: unknown, args) => isDecodedCursor(after) && !((args?.object as MeterValueQuery).offset > 0),
      defaultMessage: (args) => (isDecodedCursor(args?.value) ? 'after must not be combined with an offset' : 'after must be the next of a previous page'),
    },
  })
  after?: MeterValueCursor;
}

/**
 * Online guessing of a Basic-auth password is held back only by the rate of scrypt checks for
 * suspect identities (about 20 a second per replica), which 8 characters do not survive; 16 is the
 * whitepaper's floor for an AuthorizationKey. Only what an operator sets now is checked: hashes
 * stored before keep verifying.
 */
const STATION_PASSWORD_LENGTH = { min: 16, max: 64 };
const STATION_PASSWORD_RULE = `password must be ${STATION_PASSWORD_LENGTH.min}–${STATION_PASSWORD_LENGTH.max} characters (shorter ones can be guessed online)`;

export class UpsertStationDto {
  @ApiPropertyOptional({ enum: ['Accepted', 'Pending', 'Rejected'] }) @OptionalNonNull() @IsIn(['Accepted', 'Pending', 'Rejected']) registrationStatus?: 'Accepted' | 'Pending' | 'Rejected';
  @ApiPropertyOptional({ enum: ['strict', 'lenient', 'off'] }) @OptionalNonNull() @IsIn(['strict', 'lenient', 'off']) validationPolicy?: 'strict' | 'lenient' | 'off';
  @ApiPropertyOptional({ enum: [0, 1, 2], description: '0 none, 1 Basic auth, 2 Basic auth over TLS' }) @OptionalNonNull() @IsIn([0, 1, 2]) securityProfile?: 0 | 1 | 2;
  @ApiPropertyOptional({
    minLength: STATION_PASSWORD_LENGTH.min,
    maxLength: STATION_PASSWORD_LENGTH.max,
    description:
      'The AuthorizationKey (Basic-auth password): 16–64 characters, e.g. 32–40 hex digits (a 16–20-byte key, OCPP 1.6 security whitepaper ed. 3); stored hashed. Passwords stored before this rule keep working',
  })
  @OptionalNonNull()
  @IsString()
  @Length(STATION_PASSWORD_LENGTH.min, STATION_PASSWORD_LENGTH.max, { message: STATION_PASSWORD_RULE })
  password?: string;
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'string', enum: [...IMPLEMENTED_SUBPROTOCOLS] },
    description: 'Quirk, off by default: non-standard subprotocol names this station offers, each → the version it stands for, e.g. {"ocpp1.6.0":"ocpp1.6"}; the alias is echoed in the handshake. {} clears them',
  })
  @OptionalNonNull()
  @IsObject()
  subprotocolAliases?: Record<string, string>;
  @ApiPropertyOptional({ enum: [...IMPLEMENTED_SUBPROTOCOLS, 'none'], description: 'Quirk, off by default: the version to speak when this station offers no subprotocol; none refuses (the default)' })
  @OptionalNonNull()
  @IsIn([...IMPLEMENTED_SUBPROTOCOLS, 'none'])
  missingSubprotocol?: string;
}

export class UpsertIdTagDto {
  @ApiPropertyOptional({ enum: ['Accepted', 'Blocked', 'Expired', 'Invalid'], default: 'Accepted', description: 'cannot be null' })
  @OptionalNonNull()
  @IsIn(['Accepted', 'Blocked', 'Expired', 'Invalid'])
  status: 'Accepted' | 'Blocked' | 'Expired' | 'Invalid' = 'Accepted';

  // null is "none", as when left out: what GET answers for a token without one (IsOptional lets it through).
  @OptionalIsoDateTime('when the token expires; none when absent or null') expiryDate?: Date | null;

  @ApiPropertyOptional({ maxLength: 20, nullable: true, description: 'none when absent or null' })
  @IsOptional()
  @IsString()
  @Length(1, 20)
  @NoNul()
  parentIdTag?: string | null;
}

/**
 * PATCH of a token: only the fields present change; `null` clears `expiryDate` or `parentIdTag`
 * (`status` cannot be cleared). Absent and `null` differ here, so no field has a default.
 */
export class PatchIdTagDto {
  @ApiPropertyOptional({ enum: ['Accepted', 'Blocked', 'Expired', 'Invalid'], description: 'unchanged when absent; cannot be null' })
  @ValidateIf((o: PatchIdTagDto) => o.status !== undefined)
  @IsIn(['Accepted', 'Blocked', 'Expired', 'Invalid'])
  status?: 'Accepted' | 'Blocked' | 'Expired' | 'Invalid';

  @OptionalIsoDateTime('when the token expires; unchanged when absent, null clears it') expiryDate?: Date | null;

  @ApiPropertyOptional({ maxLength: 20, nullable: true, description: 'unchanged when absent, null clears it' })
  @IsOptional()
  @IsString()
  @Length(1, 20)
  @NoNul()
  parentIdTag?: string | null;
}

/** OCPP 1.6 IdToken: at most 20 characters. */
export const ID_TAG_PATTERN = /^.{1,20}$/u;
export class IdTagParam {
  @ApiProperty({ description: 'OCPP IdToken, 1–20 characters, compared without case', minLength: 1, maxLength: 20 })
  @Matches(ID_TAG_PATTERN)
  @NoNul()
  idTag!: string;
}
