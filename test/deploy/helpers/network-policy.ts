import { isObject, type Resource } from './kustomize.js';

/**
 * An evaluator of Kubernetes NetworkPolicies (networking.k8s.io/v1) for the tests, with the API's
 * semantics: a pod is isolated in a direction as soon as one policy of that type selects it, and
 * then a connection passes only if some rule of a selecting policy allows its peer and port; policies
 * add up. A connection between two pods needs the source's egress and the destination's ingress.
 *
 * ipBlock peers match addresses outside the cluster only (what CNIs agree on: pod-to-pod traffic is
 * matched by selectors), pod and namespace selectors match pods only.
 */

type Obj = Record<string, unknown>;
type Labels = Record<string, string>;

export interface Pod {
  namespace: string;
  labels: Labels;
  /** Named container ports, for policies naming a port. */
  ports?: Record<string, number>;
}
export type Peer = { pod: Pod } | { ip: string };
export interface Port {
  port: number;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
}

/** The labels a namespace carries in every cluster since Kubernetes 1.22. */
const namespaceLabels = (namespace: string): Labels => ({ 'kubernetes.io/metadata.name': namespace });

export function matches(selector: unknown, labels: Labels): boolean {
  if (!isObject(selector)) return false;
  const matchLabels = (selector.matchLabels as Labels | undefined) ?? {};
  const expressions = (selector.matchExpressions as { key: string; operator: string; values?: string[] }[] | undefined) ?? [];
  return (
    Object.entries(matchLabels).every(([k, v]) => labels[k] === v) &&
    expressions.every((e) => {
      switch (e.operator) {
        case 'In':
          return e.key in labels && (e.values ?? []).includes(labels[e.key]);
        case 'NotIn':
          return !(e.key in labels) || !(e.values ?? []).includes(labels[e.key]);
        case 'Exists':
          return e.key in labels;
        case 'DoesNotExist':
          return !(e.key in labels);
        default:
          throw new Error(`matchExpressions operator ${e.operator} is not implemented`);
      }
    })
  );
}

/** policyTypes, with the API's default when absent: Ingress, plus Egress if there are egress rules. */
export function policyTypes(policy: Resource): string[] {
  const spec = policy.spec as Obj;
  return (spec.policyTypes as string[] | undefined) ?? ['Ingress', ...(spec.egress ? ['Egress'] : [])];
}

const namespaceOf = (policy: Resource) => policy.metadata.namespace ?? 'default';
const selects = (policy: Resource, pod: Pod) => namespaceOf(policy) === pod.namespace && matches((policy.spec as Obj).podSelector, pod.labels);

function ipToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`not an IPv4 address: ${ip}`);
  return parts.reduce((n, p) => n * 256 + p, 0);
}

export function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const prefix = Number(bits ?? 32);
  const size = 2 ** (32 - prefix);
  const start = Math.floor(ipToInt(base) / size) * size;
  return ipToInt(ip) >= start && ipToInt(ip) < start + size;
}

function peerMatches(peer: Obj, policy: Resource, other: Peer): boolean {
  if (isObject(peer.ipBlock)) {
    const block = peer.ipBlock as { cidr: string; except?: string[] };
    return 'ip' in other && inCidr(other.ip, block.cidr) && !(block.except ?? []).some((e) => inCidr(other.ip, e));
  }
  if (!('pod' in other)) return false;
  const namespaceOk = isObject(peer.namespaceSelector) ? matches(peer.namespaceSelector, namespaceLabels(other.pod.namespace)) : other.pod.namespace === namespaceOf(policy);
  const podOk = isObject(peer.podSelector) ? matches(peer.podSelector, other.pod.labels) : true;
  return namespaceOk && podOk;
}

function portMatches(ports: Obj[] | undefined, port: Port, named: Record<string, number>): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => {
    if (((p.protocol as string | undefined) ?? 'TCP') !== (port.protocol ?? 'TCP')) return false;
    if (p.port === undefined) return true;
    const number = typeof p.port === 'string' ? named[p.port] : (p.port as number);
    if (number === undefined) return false;
    return typeof p.endPort === 'number' ? port.port >= number && port.port <= p.endPort : port.port === number;
  });
}

/** Whether `from` may open `port` on `to` as far as the policies selecting `from` (egress) are concerned. */
export function egressAllowed(policies: Resource[], from: Pod, to: Peer, port: Port): boolean {
  const selecting = policies.filter((p) => policyTypes(p).includes('Egress') && selects(p, from));
  if (selecting.length === 0) return true;
  const named = 'pod' in to ? (to.pod.ports ?? {}) : {};
  return selecting.some((p) =>
    (((p.spec as Obj).egress as Obj[] | undefined) ?? []).some((rule) => {
      const peers = rule.to as Obj[] | undefined;
      return (!peers || peers.length === 0 || peers.some((peer) => peerMatches(peer, p, to))) && portMatches(rule.ports as Obj[] | undefined, port, named);
    }),
  );
}

/** Whether `from` may open `port` on `to` as far as the policies selecting `to` (ingress) are concerned. */
export function ingressAllowed(policies: Resource[], from: Peer, to: Pod, port: Port): boolean {
  const selecting = policies.filter((p) => policyTypes(p).includes('Ingress') && selects(p, to));
  if (selecting.length === 0) return true;
  return selecting.some((p) =>
    (((p.spec as Obj).ingress as Obj[] | undefined) ?? []).some((rule) => {
      const peers = rule.from as Obj[] | undefined;
      return (!peers || peers.length === 0 || peers.some((peer) => peerMatches(peer, p, from))) && portMatches(rule.ports as Obj[] | undefined, port, to.ports ?? {});
    }),
  );
}

/** A connection between two pods: the source's egress and the destination's ingress must allow it. */
export const connectionAllowed = (policies: Resource[], from: Pod, to: Pod, port: Port) =>
  egressAllowed(policies, from, { pod: to }, port) && ingressAllowed(policies, { pod: from }, to, port);

/** The pods of a Deployment or StatefulSet as policies see them: namespace, template labels, named ports. */
export function podOf(workload: Resource): Pod {
  const template = (workload.spec as Obj).template as { metadata: { labels: Labels }; spec: { containers: { ports?: { name?: string; containerPort: number }[] }[] } };
  const ports: Record<string, number> = {};
  for (const c of template.spec.containers) for (const p of c.ports ?? []) if (p.name) ports[p.name] = p.containerPort;
  return { namespace: workload.metadata.namespace ?? 'default', labels: template.metadata.labels, ports };
}
