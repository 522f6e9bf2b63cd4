import { ocpiResponse, OcpiStatus, statusForVersion, type OcpiVersion } from '@cpo/ocpi-protocol';
import type { Request, Response } from 'express';
import type { Forwarded } from '../objects/direct-forwarder.js';
import type { HubUrls } from './hub-urls.js';

/** The address of this request without its query: the base of pagination `Link` headers. */
export function selfUrl(urls: HubUrls, req: Request): string {
  return `${urls.base(req)}${req.path}`;
}

/** The start of a list page's envelope, up to the timestamp: built once per cached page, as bytes. */
export function pageHead(json: string): Buffer {
  return Buffer.from(`{"data":[${json}],"status_code":${OcpiStatus.Success},"timestamp":"`);
}

/**
 * Sends a list page (`head` from `pageHead`) with a fresh timestamp: envelope plus `Link`,
 * `X-Total-Count`, `X-Limit`. Written with `end`, not Express's `send`, which would re-encode and
 * hash every page for an ETag no OCPI client uses.
 */
export function sendPage(res: Response, page: { head: Buffer; headers: Record<string, string> }): void {
  for (const [k, v] of Object.entries(page.headers)) res.setHeader(k, v);
  const tail = Buffer.from(`${new Date().toISOString()}"}`);
  res.status(200).setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', page.head.length + tail.length);
  res.write(page.head);
  res.end(tail);
}

/** Relays a receiver's answer (2xxx/3xxx unchanged; 4xxx mapped on 2.1.1 edges). */
export function sendForwarded(res: Response, version: OcpiVersion, f: Forwarded): void {
  const mapped = statusForVersion(version, f.envelope.status_code, f.envelope.status_message ?? undefined);
  res.status(f.httpStatus).json(ocpiResponse(mapped.code, f.envelope.data, mapped.message));
}

export type { Request, Response };
