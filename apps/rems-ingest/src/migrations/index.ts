import { Messaging1732300000000, MessagingPackedOutbox1765000000000 } from '@cpo/messaging';
import { RemsSchema1732500000000 } from './1732500000000-rems-schema.js';
import { RawFrameRetention1764930000000 } from './1764930000000-raw-frame-retention.js';

/** This service's schema history, in order of application. */
export const migrations = [Messaging1732300000000, RemsSchema1732500000000, RawFrameRetention1764930000000, MessagingPackedOutbox1765000000000];
