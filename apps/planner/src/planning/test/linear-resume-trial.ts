/**
 * The resume trial as it was first written: one allocation per waiting session. Kept as the
 * reference the faster `resumeTrial` must agree with exactly (resume-trial.spec.ts).
 */
import { admissionOrder, allocate, type AllocationResult, type ConnectorDemand } from '../../allocation/index.js';
import type { TrialBase } from '../resume-trial.js';

export function linearResumeTrial(
  base: TrialBase,
  demands: readonly ConnectorDemand[],
  waiting: (d: ConnectorDemand) => boolean,
  thresholdA: (d: ConnectorDemand) => number,
): AllocationResult {
  const members = demands.filter((d) => !waiting(d));
  const admitted: ConnectorDemand[] = [];
  let trial = allocate({ ...base, connectors: members });
  for (const candidate of demands.filter(waiting).sort(admissionOrder)) {
    const attempt = allocate({ ...base, connectors: [...members, candidate] });
    const byId = new Map(attempt.connectors.map((a) => [a.id, a]));
    const fits = [...admitted, candidate].every((d) => {
      const a = byId.get(d.id);
      return a?.status === 'charging' && a.limit >= thresholdA(d) - 1e-9;
    });
    if (!fits) continue;
    members.push(candidate);
    admitted.push(candidate);
    trial = attempt;
  }
  return trial;
}
