/**
 * What the METER-API role (§1: `meter.enfinity.kr`) answers: meter upload (6.1), both graph paths
 * (5.5 and 6.2; the guide says to serve both on both hosts) and the probes, so a load balancer or
 * Kubernetes Service can check the port it sends devices to. Everything else is the API role's.
 */
const METER_API = /^\/api\/v1\/(meter|meter\/graph|energy\/transceiver-meter\/graph)\/?$/;
const PROBES = /^\/(health(\/ready)?|metrics)\/?$/;

export function servedByMeterApi(method: string | undefined, url: string | undefined): boolean {
  const path = (url ?? '').split('?', 1)[0];
  if (METER_API.test(path)) return method === 'POST';
  return PROBES.test(path) && (method === 'GET' || method === 'HEAD');
}
