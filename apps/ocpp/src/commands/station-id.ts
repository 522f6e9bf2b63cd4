import { ValidateBy, type ValidationOptions } from 'class-validator';
import { stationIdProblem } from '@cpo/contracts';

export { stationIdProblem };

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
