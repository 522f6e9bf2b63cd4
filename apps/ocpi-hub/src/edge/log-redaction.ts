import type { PersonalDataInUrls } from '@cpo/platform';

/**
 * Where the hub's OCPI URLs carry a token uid (an RFID card's UID, an eMAID: personal data), written
 * as `ref:{personalDataRef(uid)}` by the request log, the OCPI filter and the auth guard's debug
 * line: the receiver's `/tokens/{country_code}/{party_id}/{uid}` and the sender's
 * `/tokens/{uid}/authorize`, on both 2.1.1 faces and 2.2.1 (any face or role, so a call to the
 * wrong one, answered 404 or 401, is covered too). The same ref as OCPP's idTagRef (docs/ocpi-hub.md).
 */
export const OCPI_PERSONAL_DATA_IN_URLS: PersonalDataInUrls = {
  paths: ['/ocpi/*/2.1.1/tokens/*/*/:uid', '/ocpi/2.2.1/*/tokens/*/*/:uid', '/ocpi/*/2.1.1/tokens/:uid/authorize', '/ocpi/2.2.1/*/tokens/:uid/authorize'],
};
