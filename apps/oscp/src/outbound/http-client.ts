import { Injectable } from '@nestjs/common';

export interface HttpAnswer {
  status: number;
  body: string;
}

/** The one place oscp does HTTP to a capacity provider: JSON out, text back, a hard timeout. */
@Injectable()
export class OscpHttpClient {
  async send(url: string, method: string, headers: Record<string, string>, body: unknown, timeoutMs: number): Promise<HttpAnswer> {
    const res = await fetch(url, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    // Bodies are for the audit log only; cap them so a chatty peer cannot bloat it.
    const text = (await res.text()).slice(0, 2000);
    return { status: res.status, body: text };
  }
}
