import { Messaging1732300000000, MessagingInboxAttempts1765500000000 } from '@cpo/messaging';
import { OcpiHub1732500000000 } from './1732500000000-ocpi-hub.js';
import { OcpiObjectChangeNotify1733100000000 } from './1733100000000-object-change-notify.js';
import { AgreementExtensionsOwnStop1733300000000 } from './1733300000000-agreement-extensions-own-stop.js';
import { ReservationRoutes1733400000000 } from './1733400000000-reservation-routes.js';
import { TokenRouteCommand1765900000400 } from './1765900000400-token-route-command.js';
import { TokenRouteCommandScope1766000000200 } from './1766000000200-token-route-command-scope.js';
import { OwnEarlyStop1766000002100 } from './1766000002100-own-early-stop.js';

/** This service's schema history, in order of application. */
export const migrations = [Messaging1732300000000, OcpiHub1732500000000, OcpiObjectChangeNotify1733100000000, AgreementExtensionsOwnStop1733300000000, ReservationRoutes1733400000000, MessagingInboxAttempts1765500000000, TokenRouteCommand1765900000400, TokenRouteCommandScope1766000000200, OwnEarlyStop1766000002100];
