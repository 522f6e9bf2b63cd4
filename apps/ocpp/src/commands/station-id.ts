import { ValidateBy, type ValidationOptions } from 'class-validator';
import { isLegacyIdentity } from '../connection/identity.js';

const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Why `id` cannot name a station, or undefined. The widest identity a charger may connect with
 * (the legacy rule: 1–48 printable characters without `:` and `/`), and well-formed text, since
 * the id becomes a bus subject token.
 */
export function stationIdProblem(id: unknown): string | undefined {
  if (typeof id !== 'string') return 'must be a string';
  if (!isLegacyIdentity(id)) return "must be 1–48 printable characters without ':' or '/'";
  if (LONE_SURROGATE.test(id)) return 'must be well-formed text';
  return undefined;
}

/** Every element of the array is a station id; the message names each bad one by index. */
export function IsStationIdList(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isStationIdList',
      validator: {
        validate: (value: unknown) => !Array.isArray(value) || value.every((id) => stationIdProblem(id) === undefined),
        defaultMessage: (args) => {
          const list = Array.isArray(args?.value) ? (args.value as unknown[]) : [];
          const bad = list.flatMap((id, i) => {
            const problem = stationIdProblem(id);
            return problem ? [`${args?.property ?? 'stationIds'}[${i}] ${problem}`] : [];
          });
          return bad.slice(0, 20).join('; ') + (bad.length > 20 ? ` (+${bad.length - 20} more)` : '');
        },
      },
    },
    options,
  );
}
