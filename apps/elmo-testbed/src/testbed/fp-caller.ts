import { elmoRequestId, tokenAuthorization } from '@cpo/oscp-protocol';
import { APP_CONFIG } from '@cpo/platform';
import { Inject, Injectable } from '@nestjs/common';
import type { TestbedConfig } from '../config.js';
import { TestbedStore } from './testbed.store.js';

export interface CallResult {
  request_id: string;
  callback_status: number | null;
  sent_body: unknown;
  error?: string;
}

/** Calls the FP as ELMO does: `Token`, a 32-char `[0-9A-Z]` request id, no correlation id, 20 s, no retry. */
@Injectable()
export class FpCaller {
  constructor(
    private readonly store: TestbedStore,
    @Inject(APP_CONFIG) private readonly config: TestbedConfig,
  ) {}

  async call(url: string, authorization: string, body: unknown, method = 'POST'): Promise<CallResult> {
    const requestId = elmoRequestId();
    const headers = { authorization: tokenAuthorization(authorization), 'x-request-id': requestId, 'content-type': 'application/json' };
    try {
      const res = await fetch(url, { method, headers, body: JSON.stringify(body), signal: AbortSignal.timeout(this.config.ELMO_TESTBED_CALL_TIMEOUT_MS) });
      const text = await res.text();
      this.store.record({ direction: 'out', method, path: url, headers: { 'x-request-id': requestId }, body, status: res.status });
      return { request_id: requestId, callback_status: res.status, sent_body: body, ...(res.status === 204 ? {} : { error: text.slice(0, 500) || `HTTP ${res.status}` }) };
    } catch (err) {
      const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      this.store.record({ direction: 'out', method, path: url, headers: { 'x-request-id': requestId }, body, error });
      return { request_id: requestId, callback_status: null, sent_body: body, error };
    }
  }
}
