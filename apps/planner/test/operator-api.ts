import type { TestApp } from '@cpo/testing';
import type { PlannerConfig } from '../src/config.js';

/** The operator key the planner's test apps are started with. */
export const OPERATOR_KEY = { 'x-api-key': 'test-operator-key-0123456789' };

/** One operator API request to the planner under test: its status and parsed body. */
export async function call(app: TestApp<PlannerConfig>, method: string, path: string, body?: unknown) {
  const res = await fetch(`${app.baseUrl}${path}`, {
    method,
    headers: { ...OPERATOR_KEY, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
