import { Messaging1732300000000, MessagingInboxAttempts1765500000000 } from '@cpo/messaging';
import { OscpSchema1732400000000 } from './1732400000000-oscp-schema.js';
import { PlannerMembership1763960000000 } from './1763960000000-planner-membership.js';

/** This service's schema history, in order of application. */
export const migrations = [Messaging1732300000000, OscpSchema1732400000000, PlannerMembership1763960000000, MessagingInboxAttempts1765500000000];
