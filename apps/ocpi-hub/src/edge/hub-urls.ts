import { Inject, Injectable } from '@nestjs/common';
import type { OcpiVersion } from '@cpo/ocpi-protocol';
import { HUB_CONFIG, type OcpiHubConfig } from '../config.js';
import type { Face } from '../partners/partner.types.js';

/** The minimum of a request the hub needs to know its own public address. */
export interface RequestLike {
  protocol?: string;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * The hub's public URLs. Layout (guide §12): `/ocpi/{face}/versions`, `/ocpi/{face}/2.1.1/{module}`
 * for the two 2.1.1 faces, `/ocpi/2.2.1/{sender|receiver}/{module}` and `/ocpi/2.2.1/credentials`.
 */
@Injectable()
export class HubUrls {
  constructor(@Inject(HUB_CONFIG) private readonly config: OcpiHubConfig) {}

  /** OCPI_PUBLIC_URL, or in development the address the request came in on. */
  base(req?: RequestLike): string {
    if (this.config.OCPI_PUBLIC_URL) return this.config.OCPI_PUBLIC_URL.replace(/\/$/, '');
    const host = req?.headers.host;
    return `${req?.protocol ?? 'http'}://${typeof host === 'string' ? host : `127.0.0.1:${this.config.HTTP_PORT}`}`;
  }

  versionsUrl(face: Face, req?: RequestLike): string {
    return `${this.base(req)}/ocpi/${face}/versions`;
  }

  versionDetailsUrl(version: OcpiVersion, face: Face, req?: RequestLike): string {
    return version === '2.2.1' ? `${this.base(req)}/ocpi/2.2.1` : `${this.base(req)}/ocpi/${face}/2.1.1`;
  }

  moduleUrl(version: OcpiVersion, face: Face, module: string, role?: 'SENDER' | 'RECEIVER', req?: RequestLike): string {
    if (version === '2.1.1') return `${this.base(req)}/ocpi/${face}/2.1.1/${module}`;
    if (!role) return `${this.base(req)}/ocpi/2.2.1/${module}`;
    return `${this.base(req)}/ocpi/2.2.1/${role === 'SENDER' ? 'sender' : 'receiver'}/${module}`;
  }
}
