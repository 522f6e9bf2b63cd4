import { servedByMeterApi } from './meter-api.routes.js';

describe('servedByMeterApi', () => {
  it.each([
    ['POST', '/api/v1/meter'],
    ['POST', '/api/v1/meter/'],
    ['POST', '/api/v1/meter/graph'],
    ['POST', '/api/v1/meter/graph?x=1'],
    ['POST', '/api/v1/energy/transceiver-meter/graph'],
    ['GET', '/health'],
    ['GET', '/health/ready'],
    ['GET', '/metrics'],
  ])('serves %s %s', (method, url) => expect(servedByMeterApi(method, url)).toBe(true));

  it.each([
    ['GET', '/api/v1/meter'],
    ['GET', '/api/v1/device/register/t/s'],
    ['POST', '/api/v1/device/auth/sign-in'],
    ['POST', '/api/v1/meter/other'],
    ['POST', '/api/v1/meterx'],
    ['GET', '/api/v1/rems/rejected'],
    ['GET', '/docs'],
    ['POST', '/health'],
    ['GET', undefined],
  ])('leaves %s %s to the API port', (method, url) => expect(servedByMeterApi(method, url)).toBe(false));
});
