import { personalDataRef, type PersonalDataInUrls } from '@cpo/platform';

/**
 * What a log line carries instead of an idTag. A tag (an RFID card's UID, an eMAID) is personal
 * data, linkable to a person: see personalDataRef (libs/platform) for the pseudonym and its limits
 * (unkeyed SHA-256, or HMAC-SHA256 under LOG_PERSONAL_DATA_KEY, set once at boot by PlatformModule).
 * The same function as the request log's URL refs, so one one-liner (docs/ocpp.md, "Logging")
 * finds a card's lines of both kinds. Lower-cased first: IdToken is a CiString. Computed only
 * when a line is written, never on the MeterValues/StatusNotification path.
 */
export const idTagRef: (idTag: string) => string = personalDataRef;

/**
 * Where the operator API's URLs carry a tag, written as `ref:{idTagRef}` by the request log and the
 * error filter: `/api/v1/id-tags/{idTag}` (and `/local-lists` below it), and the `idTag` filter of
 * `/api/v1/transactions`.
 */
export const OCPP_PERSONAL_DATA_IN_URLS: PersonalDataInUrls = {
  paths: ['/api/v1/id-tags/:idTag'],
  query: ['idTag'],
};
