import { createServer as createHttpServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { BeforeApplicationShutdown, Inject, Injectable, NotFoundException, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { APP_CONFIG, ROOT_LOGGER } from '@cpo/platform';
import type { Logger } from 'pino';
import type { RemsIngestConfig } from '../config.js';
import { toRemsError } from '../device-api/rems-exception.filter.js';
import { servedByMeterApi } from './meter-api.routes.js';

/**
 * The METER-API role on a port of its own (REMS_METER_HTTP_PORT), for deployments that give meter
 * traffic its own host name, load balancer or network policy as enfinity does (`meter.…`). It is
 * the same Nest application (same controllers, guards, envelope, metrics), reached through a second
 * listener that lets only the meter routes through; the main port still serves everything.
 */
@Injectable()
export class MeterApiListener implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private server?: Server;
  private readonly logger: Logger;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Inject(APP_CONFIG) private readonly config: RemsIngestConfig,
    @Inject(ROOT_LOGGER) root: Logger,
  ) {
    this.logger = root.child({ component: 'meter-api' });
  }

  /** The bound port (tests configure port 0 and ask). */
  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  /** Routes are registered by now (Nest calls this hook at the end of init()). */
  async onApplicationBootstrap(): Promise<void> {
    const port = this.config.REMS_METER_HTTP_PORT;
    if (port === undefined) return;
    const app = this.adapterHost.httpAdapter.getInstance<RequestListener>();
    const handler: RequestListener = (req, res) => (servedByMeterApi(req.method, req.url) ? app(req, res) : notMeterApi(req, res));
    const { HTTP_TLS_CERT_FILE: cert, HTTP_TLS_KEY_FILE: key } = this.config;
    // Same TLS as the main port: devices that upload over HTTPS to the API host do so here too.
    this.server = cert && key ? createHttpsServer({ cert: readFileSync(cert), key: readFileSync(key), minVersion: 'TLSv1.2' }, handler) : createHttpServer(handler);
    const server = this.server;
    const host = this.config.REMS_METER_HTTP_HOST ?? this.config.HTTP_HOST;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.logger.info({ port: this.port, host }, 'METER-API listening');
  }

  /** Stops taking requests; those in process finish (the ingest batcher drains in the same phase). */
  async beforeApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
  }
}

/** Other routes on the meter port get the device API's own 404 envelope. */
function notMeterApi(req: IncomingMessage, res: ServerResponse): void {
  const body = toRemsError(new NotFoundException(`${req.method} ${req.url?.split('?', 1)[0]} is not served on the METER-API port`));
  // Drain the request body before answering, so keep-alive connections stay usable.
  req.resume();
  res.writeHead(body.error.status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}
