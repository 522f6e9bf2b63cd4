import type { ChargerSpec, ConnectorDemand, SitePhase } from '../allocation/index.js';
import { resumeTrial, type TrialBase } from './resume-trial.js';
import { linearResumeTrial } from './test/linear-resume-trial.js';

const THREE: SitePhase[] = ['L1', 'L2', 'L3'];

/**
 * Review of 2e3de94: a shared misfit's answer is reused when the misfit's station rating "stays
 * clear" in its run (`slackWith`: final load plus two steps per connector). But a candidate refused
 * at ADMISSION by that rating (its minimum on top of a charging neighbour's: 6 + 6 > 10 A) leaves no
 * trace in the final load: it is paused at 0 A, so the rating reads as slack although it decided the
 * answer. An alike candidate whose neighbour comes AFTER it in admission order (lower priority) is
 * admitted first under its own rating and fits; the fast trial skips it as a misfit, and it stays
 * paused with capacity free.
 */
describe('resumeTrial: a misfit refused at admission by its shared rating', () => {
  it('is not taken for an alike candidate whose neighbour comes after it in admission order', () => {
    const chargers: ChargerSpec[] = ['CP0', 'CP1'].map((id) => ({ id, current: 'AC', phases: THREE, maxCurrentA: 10, controllable: true }));
    const demand = (id: string, priority: number, charging: boolean): ConnectorDemand => ({ id, chargerId: id.split('/')[0], phases: THREE, minimum: 6, maxima: { rating: 10 }, priority, arrivalMs: 0, charging });
    const demands = [
      demand('CP0/1', 1, false), // waiting; its neighbour CP0/2 (same priority, charging) is admitted before it: 6 + 6 > 10 A refuses it
      demand('CP0/2', 1, true),
      demand('CP1/1', 1, false), // waiting, alike (same figures, same place among the members); its neighbour CP1/2 has a lower priority
      demand('CP1/2', 0, true),
    ];
    const waiting = (d: ConnectorDemand) => d.id.endsWith('/1');
    const threshold = (d: ConnectorDemand) => (d.minimum ?? 6) + 1;
    // 14.2 A on three phases at 220 V: two sessions at 7.1 A.
    const base: TrialBase = { nominalVoltageV: 220, availableW: 14.2 * 3 * 220, chargers };
    const linear = linearResumeTrial(base, demands, waiting, threshold);
    // The one-allocation-per-session trial admits CP1/1 at 7.1 A (CP1/2, lower priority, gives way under CP1's 10 A).
    expect(linear.connectors.find((c) => c.id === 'CP1/1')).toMatchObject({ status: 'charging', limit: 7.1 });
    // Before the fix: the fast trial skipped CP1/1 as alike the misfit CP0/1 and returned the trial without it (CP1/1 got no headroom).
    expect(resumeTrial(base, demands, waiting, threshold)).toEqual(linear);
  });
});
