/**
 * OCPP `dateTime` values (1.6: "ISO 8601"; the OCA schemas: `format: date-time`, RFC 3339) to
 * epoch milliseconds. One definition serves both the validator's `date-time` format and every
 * consumer, so a timestamp the validator admits can always be read. `Date.parse` cannot be that
 * definition: it returns NaN for a leap second (`23:59:60`, valid RFC 3339) and for an hour-only
 * offset (`+02`, valid ISO 8601), and it reads a time without zone in the server's own zone.
 */

// Anchored, no nested quantifiers: linear in the input, whatever a charger sends.
const DATE_TIME = /^(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:([Zz])|([+-])(\d\d)(?::?(\d\d))?)?$/;

const MS_PER_DAY = 86_400_000;

export interface ParseDateTimeOptions {
  /**
   * What a value without `Z` or offset means. `'refuse'` (default) is the schema's reading;
   * `'utc'` is the guide's lenient reading (§1.10: chargers in the field omit the `Z`).
   */
  readonly missingZone?: 'refuse' | 'utc';
}

/**
 * Epoch ms of an OCPP dateTime, or undefined when it is not one. Accepts `T`/`t`/space between
 * date and time, `Z`/`z`, offsets `±hh:mm`, `±hhmm` and `±hh`, any number of fraction digits
 * (truncated to ms, as `Date.parse` does), years 0000–9999, and a leap second: `23:59:60` (UTC)
 * is read as the next second, the way PostgreSQL stores it, so nothing downstream sees second 60.
 */
export function parseDateTimeMs(text: string, options?: ParseDateTimeOptions): number | undefined {
  const m = DATE_TIME.exec(text);
  if (m === null) return undefined;
  const [, ys, mos, ds, hs, mis, ss, fraction, z, sign, ohs, oms] = m as unknown as (string | undefined)[];
  const year = Number(ys);
  const month = Number(mos);
  const day = Number(ds);
  const hour = Number(hs);
  const minute = Number(mis);
  const second = Number(ss);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  let offsetMin = 0;
  if (sign !== undefined) {
    const oh = Number(ohs);
    const om = oms === undefined ? 0 : Number(oms);
    if (oh > 23 || om > 59) return undefined;
    offsetMin = (sign === '-' ? -1 : 1) * (oh * 60 + om);
  } else if (z === undefined && options?.missingZone !== 'utc') {
    return undefined;
  }
  const ms = fraction === undefined ? 0 : Number(fraction.slice(0, 3).padEnd(3, '0'));
  const local = daysFromCivil(year, month, day) * MS_PER_DAY + ((hour * 60 + minute) * 60 + Math.min(second, 59)) * 1000 + ms;
  const utc = local - offsetMin * 60_000;
  if (second === 60) {
    // A leap second is only ever inserted at 23:59:60 UTC (RFC 3339 §5.7).
    const utcMinuteOfDay = Math.floor((((utc % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY) / 60_000);
    if (utcMinuteOfDay !== 23 * 60 + 59) return undefined;
    return utc + 1000;
  }
  return utc;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). Pure
 * arithmetic: `Date.UTC` would map years 0–99 to 1900–1999.
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}
