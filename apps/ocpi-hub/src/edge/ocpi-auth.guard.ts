import { randomUUID } from 'node:crypto';
import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ROOT_LOGGER, sanitizeCorrelationId, UnauthorizedError, URL_REDACTOR, type UrlRedactor } from '@cpo/platform';
import { parseRoutingHeaders, type OcpiVersion } from '@cpo/ocpi-protocol';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { isRegistered, type Face } from '../partners/partner.types.js';
import { ConnectionLookup } from './connection-lookup.js';
import { invalidParameters } from './ocpi-errors.js';
import { setOcpiContext } from './ocpi-context.js';

const CONFIG_MODULE = 'ocpi:config-module';

/**
 * Marks a configuration-module route (versions, credentials): token A is accepted there, the
 * connection need not be registered yet, and routing headers are ignored.
 */
export const ConfigModule = () => SetMetadata(CONFIG_MODULE, true);

/** Version and face of an OCPI path: `/ocpi/{face}/2.1.1/…`, `/ocpi/{face}/versions`, `/ocpi/2.2.1/…`. */
export function pathInfo(path: string): { version?: OcpiVersion; face?: Face } {
  const m = /^\/ocpi\/(?:(cpo-face|emsp-face)\/)?(2\.1\.1|2\.2\.1|versions)(?:\/|$)/.exec(path);
  if (!m) return {};
  const face = m[1] as Face | undefined;
  const version = m[2] === 'versions' ? undefined : (m[2] as OcpiVersion);
  return { face, version };
}

/**
 * Authenticates an OCPI call (`Authorization: Token …`, plain or Base64), resolves the partner
 * connection and builds the request context: ids, routing headers, version and face.
 */
@Injectable()
export class OcpiAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly lookup: ConnectionLookup,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Inject(URL_REDACTOR) private readonly redactUrl: UrlRedactor,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request & { id?: unknown }>();
    const res = context.switchToHttp().getResponse<Response>();
    const requestId = sanitizeCorrelationId(req.headers['x-request-id']) ?? randomUUID();
    const correlationId = typeof req.id === 'string' ? req.id : (sanitizeCorrelationId(req.headers['x-correlation-id']) ?? randomUUID());
    res.setHeader('X-Request-ID', requestId);
    res.setHeader('X-Correlation-ID', correlationId);
    const isConfig = this.reflector.getAllAndOverride<boolean>(CONFIG_MODULE, [context.getHandler(), context.getClass()]) === true;
    const info = pathInfo(req.path);
    const version: OcpiVersion = info.version ?? '2.2.1';

    const found = await this.lookup.byAuthorization(req.headers.authorization);
    if (!found) throw new UnauthorizedError('missing or unknown OCPI token');
    const { connection, kind, encoding } = found;
    if (!isConfig) {
      if (kind === 'A') throw new UnauthorizedError('token A is only valid for versions and credentials');
      if (!isRegistered(connection) || connection.version !== version) throw new UnauthorizedError(`connection not registered for OCPI ${version}`);
      if (version === '2.1.1' && info.face !== connection.face) throw new UnauthorizedError(`this connection uses the ${connection.face}`);
    }
    const routing = isConfig ? { ok: true as const, value: {} } : parseRoutingHeaders(req.headers);
    setOcpiContext(req, { version, face: info.face, connection, tokenKind: kind, tokenEncoding: encoding, requestId, correlationId, routing: routing.ok ? routing.value : {} });
    if (!routing.ok) throw invalidParameters(routing.reason);
    this.lookup.seen(connection.id, encoding);
    if (this.logger.isLevelEnabled('debug')) this.logger.debug({ partner: connection.name, requestId, correlationId, path: this.redactUrl(req.path), hop: 'inbound' }, 'ocpi request');
    return true;
  }
}
