/**
 * Incoming capacity forecasts: unit normalisation to watts for the whole group, and the
 * classification ELMO makes necessary because no purpose travels on the wire (guide §7.4).
 */
import type { CapacityForecastBlock, CapacityForecastKind, CapacityForecastType as BusForecastType } from '@cpo/contracts';
import type { CapacityForecastType, ForecastedBlock, PhaseIndicator } from './messages.js';
import { HOUR_MS, taipeiDate, taipeiMidnightMs, taipeiToday, taipeiTomorrow } from './taipei.js';

export interface NormaliseOptions {
  /** Substitutes a `null` capacity (ELMO's missing prediction hour); without it a null is an error. */
  contractCapacityW?: number;
  /** Line-to-neutral voltage used to turn an `A` limit into W (default 230 V). */
  nominalVoltageV?: number;
}

export type NormaliseResult = { ok: true; blocks: CapacityForecastBlock[]; substitutedNulls: number } | { ok: false; message: string };

const PHASES: Record<PhaseIndicator, number> = { ONE: 1, TWO: 2, THREE: 3, ALL: 3, UNKNOWN: 3 };

/** Rounds to the milliwatt so kW × 1000 float noise (1.15 kW → 1150.0000000000002 W) disappears. */
const roundW = (w: number) => Math.round(w * 1000) / 1000;

/**
 * Converts wire blocks to bus blocks in W. `KW`/`W` are powers; `A` is per phase and multiplied by
 * the nominal voltage and the phase count (`ALL`/`UNKNOWN` = three phases); `WH`/`KWH` are energy
 * budgets for the block and become its average power.
 */
export function normaliseBlocks(blocks: ForecastedBlock[], options: NormaliseOptions = {}): NormaliseResult {
  const out: CapacityForecastBlock[] = [];
  let substitutedNulls = 0;
  for (const [index, block] of blocks.entries()) {
    let watts: number;
    if (block.capacity === null) {
      if (options.contractCapacityW === undefined) return { ok: false, message: `forecasted_blocks.${index}.capacity: null and no contract capacity configured` };
      watts = options.contractCapacityW;
      substitutedNulls++;
    } else {
      const hours = (Date.parse(block.end_time) - Date.parse(block.start_time)) / HOUR_MS;
      switch (block.unit) {
        case 'KW':
          watts = block.capacity * 1000;
          break;
        case 'W':
          watts = block.capacity;
          break;
        case 'A':
          watts = block.capacity * (options.nominalVoltageV ?? 230) * PHASES[block.phase];
          break;
        case 'WH':
          watts = block.capacity / hours;
          break;
        case 'KWH':
          watts = (block.capacity * 1000) / hours;
          break;
      }
    }
    out.push({ startTime: block.start_time, endTime: block.end_time, powerW: roundW(watts), phase: block.phase });
  }
  return { ok: true, blocks: out, substitutedNulls };
}

/** The bus's forecast type: the two wire fallback types fold into `FALLBACK`. */
export function busForecastType(type: CapacityForecastType): BusForecastType {
  return type === 'FALLBACK_CONSUMPTION' || type === 'FALLBACK_GENERATION' ? 'FALLBACK' : type;
}

/** The Taipei date D if `blocks` are exactly 24 consecutive one-hour blocks from 00:00 of D. */
export function fullTaipeiDay(blocks: { startTime: string; endTime: string }[]): string | undefined {
  if (blocks.length !== 24) return undefined;
  const day = taipeiDate(Date.parse(blocks[0].startTime));
  const start = taipeiMidnightMs(day);
  const aligned = blocks.every((b, h) => Date.parse(b.startTime) === start + h * HOUR_MS && Date.parse(b.endTime) === start + (h + 1) * HOUR_MS);
  return aligned ? day : undefined;
}

export interface ClassifyContext {
  now: Date;
  /** `elmo` forecasts that are not day-ahead are emergencies; `generic` partners' are plain intervals. */
  profile: 'elmo' | 'generic';
  /** When the provider accepted (answered 204 to) our adjust request for tomorrow, if it did. */
  adjustAcceptedAt?: Date;
}

export interface Classification {
  kind: CapacityForecastKind;
  /** The Taipei day a day-ahead forecast covers. */
  day?: string;
  /** A full-day plan for *today*: applied, but ELMO should never send it; raise an alarm. */
  late: boolean;
  /** The blocks still worth applying (expired ones dropped); empty = nothing to publish. */
  blocks: CapacityForecastBlock[];
}

/** Classifies normalised blocks (guide §7.4). Pure: the caller supplies the clock and adjust state. */
export function classifyForecast(type: CapacityForecastType, blocks: CapacityForecastBlock[], ctx: ClassifyContext): Classification {
  const nowMs = ctx.now.getTime();
  if (type === 'FALLBACK_CONSUMPTION' || type === 'FALLBACK_GENERATION') return { kind: 'fallback', late: false, blocks };
  const day = fullTaipeiDay(blocks);
  if (day !== undefined && day === taipeiTomorrow(ctx.now)) {
    const reply = ctx.adjustAcceptedAt !== undefined && nowMs > ctx.adjustAcceptedAt.getTime();
    return { kind: reply ? 'day_ahead_reply' : 'day_ahead_assignment', day, late: false, blocks };
  }
  if (day !== undefined && day === taipeiToday(ctx.now)) return { kind: 'day_ahead_assignment', day, late: true, blocks };
  const live = blocks.filter((b) => Date.parse(b.endTime) > nowMs);
  if (live.length === blocks.length && ctx.profile === 'elmo') return { kind: 'emergency', late: false, blocks };
  return { kind: 'generic', late: false, blocks: live };
}
