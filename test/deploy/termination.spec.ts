import { join } from 'node:path';
import { K8S_DIR, render } from './helpers/kustomize.js';
import { find, SERVICES } from './helpers/platform.js';

type Obj = Record<string, unknown>;

/**
 * The termination budget of the services behind the Ingress during a rolling update or a node
 * drain: the kubelet runs preStop, then sends SIGTERM, and kills the container
 * terminationGracePeriodSeconds after it began.
 */
const cases = ['overlays/dev', 'overlays/prod'].flatMap((overlay) => ['ocpp', 'ocpi-hub', 'oscp', 'rems-ingest'].map((app) => [overlay, app] as const));

describe.each(cases)('%s: %s termination', (overlay, app) => {
  const resources = render(join(K8S_DIR, overlay));
  const spec = ((find(resources, 'Deployment', app).spec as Obj).template as Obj).spec as Obj;
  const [container] = spec.containers as Obj[];
  const preStopS = (): number => {
    const command = (((container.lifecycle as Obj | undefined)?.preStop as Obj | undefined)?.exec as Obj | undefined)?.command as string[] | undefined;
    expect(command?.[0]).toBe('sleep');
    return Number(command![1]);
  };

  it('pauses before SIGTERM, so what the ingress still routes here is answered (and chargers told to reconnect reach live replicas)', () => {
    expect(preStopS()).toBeGreaterThanOrEqual(3);
  });

  it('gives the pause and the whole drain (SHUTDOWN_TIMEOUT_MS) time before the kill, with a margin', () => {
    const data = find(resources, 'ConfigMap', `${app}-config`).data as Record<string, string>;
    const load = SERVICES.find((s) => s.name === app)!.load;
    const shutdownMs = Number(data.SHUTDOWN_TIMEOUT_MS ?? load({ NODE_ENV: 'development' }).SHUTDOWN_TIMEOUT_MS);
    expect(Number(spec.terminationGracePeriodSeconds) * 1000).toBeGreaterThanOrEqual(preStopS() * 1000 + shutdownMs + 2000);
  });
});
