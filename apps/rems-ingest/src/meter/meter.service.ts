import { Inject, Injectable } from '@nestjs/common';
import { formatTerm, parseHexFrame, resolveGraphWindow, type GraphQuery, type GraphResult } from '@cpo/rems-protocol';
import type { DeviceIdentity } from '../auth/token.service.js';
import { CLOCK, type Clock } from '../common/clock.js';
import { remsError } from '../device-api/rems-errors.js';
import { DeviceDirectory } from './device-directory.js';
import { GraphRepository } from './graph.repository.js';
import { IngestService } from './ingest.service.js';

/** The HTTP meter API: upload (6.1) and graph (5.5 / 6.2). */
@Injectable()
export class MeterService {
  constructor(
    private readonly ingest: IngestService,
    private readonly directory: DeviceDirectory,
    private readonly graphs: GraphRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /** `true` once the raw frame is committed, whatever decoding flagged; only a non-hex or empty `data` is refused. */
  async upload(device: DeviceIdentity, multi: number | undefined, data: unknown): Promise<true> {
    const parsed = parseHexFrame(data);
    if (!parsed.ok) throw remsError('INVALID_METER_DATA', 'data must be a non-empty, even-length hex string', { data: parsed.problem });
    const port = multi ?? 0;
    const known = await this.directory.get(device.transceiverId);
    await this.ingest.ingest({
      tenantAlias: device.tenantAlias,
      transceiverId: device.transceiverId,
      port,
      channel: 'http',
      receivedAt: this.clock.now(),
      bytes: parsed.bytes,
      hex: parsed.hex,
      expectedLayoutKey: known?.layoutByPort.get(port),
    });
    return true;
  }

  async graph(device: DeviceIdentity, query: GraphQuery): Promise<GraphResult> {
    const resolved = resolveGraphWindow(query, this.clock.now());
    if (!resolved.ok) throw remsError('VALIDATION_FAILED', 'invalid graph window', resolved.fieldError);
    const { period, start, end } = resolved.window;
    const buckets = await this.graphs.energy(device.transceiverId, period, start, end);
    return { values: buckets.map((b) => ({ port: b.port, term: formatTerm(period, b.at), value: b.kwh, at: b.at.toISOString() })) };
  }
}
