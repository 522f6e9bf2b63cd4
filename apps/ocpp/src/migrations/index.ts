import { Messaging1732300000000, MessagingInboxAttempts1765500000000, MessagingPackedOutbox1765000000000 } from '@cpo/messaging';
import { OcppSchema1763900000000 } from './1763900000000-ocpp-schema.js';
import { RemoteStarts1763900000001 } from './1763900000001-remote-starts.js';
import { OcpiCommands1763900000002 } from './1763900000002-ocpi-commands.js';
import { ProfileVerification1763900000003 } from './1763900000003-profile-verification.js';
import { MeterValuesIndexes1763900000004 } from './1763900000004-meter-values-indexes.js';
import { MeterReadings1765100000000 } from './1765100000000-meter-readings.js';
import { SecurityExtension1765100000001 } from './1765100000001-security-extension.js';
import { SubprotocolQuirks1765200000000 } from './1765200000000-subprotocol-quirks.js';
import { PlanOrder1765300000100 } from './1765300000100-plan-order.js';
import { LocalListUnknown1765300000200 } from './1765300000200-local-list-unknown.js';
import { RemoteStartFailed1765300000300 } from './1765300000300-remote-start-failed.js';
import { StationOnboardingKeys1765300000400 } from './1765300000400-station-onboarding-keys.js';
import { OcpiCommandsPending1765300000500 } from './1765300000500-ocpi-commands-pending.js';
import { IdTagsCaseInsensitive1765400000120 } from './1765400000120-id-tags-case-insensitive.js';
import { RemoteStartsOpenIndex1765400000300 } from './1765400000300-remote-starts-open-index.js';
import { OcpiCommandsRequester1765400000500 } from './1765400000500-ocpi-commands-requester.js';
import { ReservationHistory1765700000300 } from './1765700000300-reservation-history.js';
import { TransferRequests1765700000301 } from './1765700000301-transfer-requests.js';
import { IdentifiedRequests1765700000500 } from './1765700000500-identified-requests.js';
import { MeterReadingSampleCount1765700000700 } from './1765700000700-meter-reading-sample-count.js';
import { TransactionStartKeyCaseInsensitive1765800000120 } from './1765800000120-transaction-start-key-case-insensitive.js';
import { LocalListEntries1766000000700 } from './1766000000700-local-list-entries.js';
import { LocalListSync1766000000701 } from './1766000000701-local-list-sync.js';
import { LocalListPendingUpdate1766000000900 } from './1766000000900-local-list-pending-update.js';
import { StationsSelfRegisteredIndex1766000002700 } from './1766000002700-stations-self-registered-index.js';

/** This service's schema history, in order of application. */
export const migrations = [Messaging1732300000000, OcppSchema1763900000000, RemoteStarts1763900000001, OcpiCommands1763900000002, ProfileVerification1763900000003, MeterValuesIndexes1763900000004, MessagingPackedOutbox1765000000000, MeterReadings1765100000000, SecurityExtension1765100000001, SubprotocolQuirks1765200000000, PlanOrder1765300000100, LocalListUnknown1765300000200, RemoteStartFailed1765300000300, StationOnboardingKeys1765300000400, OcpiCommandsPending1765300000500, IdTagsCaseInsensitive1765400000120, RemoteStartsOpenIndex1765400000300, OcpiCommandsRequester1765400000500, MessagingInboxAttempts1765500000000, ReservationHistory1765700000300, TransferRequests1765700000301, IdentifiedRequests1765700000500, MeterReadingSampleCount1765700000700, TransactionStartKeyCaseInsensitive1765800000120, LocalListEntries1766000000700, LocalListSync1766000000701, LocalListPendingUpdate1766000000900, StationsSelfRegisteredIndex1766000002700];
