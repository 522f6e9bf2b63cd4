import { Messaging1732300000000 } from './1732300000000-messaging.js';

/** In order of application. */
export const migrations = [Messaging1732300000000];
