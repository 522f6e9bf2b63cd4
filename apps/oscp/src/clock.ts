import type { Clock } from '@cpo/oscp-protocol';

/** DI token of the service's {@link Clock}: the wall clock in production, a manual one in tests. */
export const OSCP_CLOCK = Symbol('OSCP_CLOCK');
export type { Clock };
