import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { parseDateTimeMs } from '@cpo/ocpp-protocol';
import { Transform } from 'class-transformer';
import { IsDate, IsNumber, IsOptional, IsString, IsUUID, Max, MaxLength, Min, MinLength, ValidateBy } from 'class-validator';
import { MAX_POWER_KW } from '../topology/topology-file.js';

/**
 * An ISO 8601 date-time with `Z` or an offset, on a real calendar date, becomes a Date; anything
 * else stays as sent and fails IsDate. `new Date` would roll 2026-02-30 over to 2 March, read
 * "12/25/2026" and numbers (epoch ms), and read a time without zone in the server's own zone:
 * for a cap, a silently wrong instant is a wrong limit on the grid.
 */
function IsoDateTime(description: string, optional: boolean): PropertyDecorator {
  const doc = { type: String, format: 'date-time', description: `${description}; ISO 8601 with Z or ±hh:mm`, example: '2026-12-07T18:00:00+08:00' };
  return applyDecorators(
    optional ? ApiPropertyOptional(doc) : ApiProperty(doc),
    ...(optional ? [IsOptional()] : []),
    Transform(({ value }: { value: unknown }) => {
      const ms = typeof value === 'string' ? parseDateTimeMs(value) : undefined;
      return ms === undefined ? value : new Date(ms);
    }),
    IsDate({ message: ({ property }) => `${property} must be an ISO 8601 date-time with Z or an offset, on a real date, e.g. 2026-12-07T18:00:00+08:00` }),
  );
}

/** `end` after `start` (the table's check): compared only when both are dates, a bad `start` is reported as itself. */
function AfterStart(): PropertyDecorator {
  return ValidateBy({
    name: 'afterStart',
    validator: {
      validate: (end: unknown, args) => {
        const start = (args?.object as { start?: unknown }).start;
        return !(end instanceof Date && start instanceof Date) || end.getTime() > start.getTime();
      },
      defaultMessage: () => 'end must be after start',
    },
  });
}

/** An operator cap: lowers the group limit to `powerKw` from `start` (until `end`, or until removed). */
export class OperatorCapDto {
  @IsoDateTime('When the cap starts', false)
  start!: Date;

  @IsoDateTime('When the cap ends (after start); absent: until removed', true)
  @AfterStart()
  end?: Date;

  @ApiProperty({ description: 'The group limit while the cap applies, in kW', minimum: 0, maximum: MAX_POWER_KW, example: 60 })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(MAX_POWER_KW)
  powerKw!: number;

  @ApiProperty({ description: 'Motive, shown with the cap', minLength: 1, maxLength: 500, example: 'transformer maintenance' })
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  reason!: string;
}

/** Path of one cap: its id is a UUID, so a malformed one is a 400 naming it rather than a database error. */
export class CapParams {
  @ApiProperty()
  @IsString()
  groupId!: string;

  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  capId!: string;
}
