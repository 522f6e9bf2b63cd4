/**
 * `@cpo/rems-protocol`: the KEA REMS RTU upload frame decoder and the enfinity-rems device API wire
 * types, envelopes and error codes. Pure (no Nest, no I/O), shared by rems-ingest, its tests and
 * benchmarks, and any RTU simulator.
 */
export { parseHexFrame, type HexParseResult, type HexProblem } from './frame/hex.js';
export { interpretFaultWord, SOLAR_FAULT_FLAGS, OTHER_FAULT_FLAGS, type FaultState } from './frame/faults.js';
export {
  FRAME_LAYOUTS,
  energySourceOf,
  layoutKey,
  fieldSize,
  type FrameLayout,
  type FieldDef,
  type FieldKind,
  type EnergyCounterDef,
  type EnergySourceName,
  type Confidence,
} from './frame/layouts.js';
export {
  decodeRemsFrame,
  decodeTemperature,
  REMS_UPLOAD_COMMAND,
  REMS_HEADER_LENGTH,
  REMS_ERROR_CODES,
  MAX_KEA_SOLAR_PORT,
  type DecodedRemsFrame,
  type DecodeContext,
  type EnergyCounter,
  type FrameFlag,
  type FrameKind,
  type RemsFrameHeader,
} from './frame/decode.js';
export * from './api/envelope.js';
export * from './api/types.js';
export * from './api/commands.js';
export * from './api/graph.js';
export { REMS_MODULE_TYPES, RemsModuleTypeNames, layoutKeyOfModuleType, isSolarModuleType, type RemsModuleType } from './frame/module-types.js';
