import { ocpiResponse, OcpiStatus, statusForVersion, type OcpiVersion } from '@cpo/ocpi-protocol';
import type { Request, Response } from 'express';
import type { Forwarded } from '../objects/direct-forwarder.js';
import type { HubUrls } from './hub-urls.js';

/** The address of this request without its query: the base of pagination `Link` headers. */
export function selfUrl(urls: HubUrls, req: Request): string {
  return `${urls.base(req)}${req.path}`;
}

/** Sends a list page of JSON texts: envelope plus `Link`, `X-Total-Count`, `X-Limit`. */
export function sendPage(res: Response, items: string[], headers: Record<string, string>): void {
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.status(200).type('application/json').send(`{"data":[${items.join(',')}],"status_code":${OcpiStatus.Success},"timestamp":"${new Date().toISOString()}"}`);
}

/** Relays a receiver's answer (2xxx/3xxx unchanged; 4xxx mapped on 2.1.1 edges). */
export function sendForwarded(res: Response, version: OcpiVersion, f: Forwarded): void {
  const mapped = statusForVersion(version, f.envelope.status_code, f.envelope.status_message ?? undefined);
  res.status(f.httpStatus).json(ocpiResponse(mapped.code, f.envelope.data, mapped.message));
}

export type { Request, Response };
