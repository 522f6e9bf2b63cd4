import { Messaging1732300000000 } from '@cpo/messaging';

/** This service's schema history, in order of application. */
export const migrations = [Messaging1732300000000];
