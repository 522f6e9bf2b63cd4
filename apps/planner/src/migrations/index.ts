import { Messaging1732300000000, MessagingInboxAttempts1765500000000 } from '@cpo/messaging';
import { Topology1763950000000 } from './1763950000000-topology.js';
import { Planning1764850000000 } from './1764850000000-planning.js';
import { Compliance1764860000000 } from './1764860000000-compliance.js';
import { Compliance1764900000000 } from './1764900000000-compliance.js';
import { MeterQuality1764910000000 } from './1764910000000-meter-quality.js';
import { EvDemand1764920000000 } from './1764920000000-ev-demand.js';
import { StoppedTransactions1764930000000 } from './1764930000000-stopped-transactions.js';
import { PlanAnswers1765600000000 } from './1765600000000-plan-answers.js';
import { OfflineFailures1765700000000 } from './1765700000000-offline-failures.js';
import { StationBoots1765710000000 } from './1765710000000-station-boots.js';
import { PlanOutcomes1765720000000 } from './1765720000000-plan-outcomes.js';

/** This service's schema history, in order of application. */
export const migrations = [Messaging1732300000000, Topology1763950000000, Planning1764850000000, Compliance1764860000000, Compliance1764900000000, MeterQuality1764910000000, EvDemand1764920000000, StoppedTransactions1764930000000, MessagingInboxAttempts1765500000000, PlanAnswers1765600000000, OfflineFailures1765700000000, StationBoots1765710000000, PlanOutcomes1765720000000];
