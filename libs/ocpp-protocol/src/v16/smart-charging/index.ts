/** Charge-point smart-charging engine (OCPP 1.6 SmartCharging): profile store + composite schedule. */
export { ChargingProfileStore } from './profile-store.js';
export { validateChargingProfile } from './profile-validation.js';
export { compositeSchedule, limitAt, nextChangeAfter } from './composite.js';
export type * from './types.js';
