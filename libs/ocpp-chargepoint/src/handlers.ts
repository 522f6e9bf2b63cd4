import type { Action16, Conf16, CsAction16, Req16 } from '@cpo/ocpp-protocol';

/** What an inbound handler learns besides the payload. */
export interface InboundContext {
  action: Action16;
  /** Always present, so handlers never need to ask for it. */
  uniqueId: string;
}

export interface OnOptions {
  /** Reproduce a non-compliant charger: accept this action's requests without schema validation. */
  skipSchemaValidation?: boolean;
  /** Accepted for compatibility with the Python-style API; the id is always in the context. */
  callUniqueIdRequired?: boolean;
}

export interface AfterOptions {
  callUniqueIdRequired?: boolean;
}

export type OnHandler<A extends CsAction16 = CsAction16> = (request: Req16<A>, ctx: InboundContext) => Conf16<A> | Promise<Conf16<A>>;
export type AfterHandler<A extends CsAction16 = CsAction16> = (request: Req16<A>, ctx: InboundContext) => void | Promise<void>;

interface Registration {
  on: Map<string, { method: string | symbol; options: OnOptions }>;
  after: Map<string, { method: string | symbol; options: AfterOptions }[]>;
}

const REGISTRY = Symbol('ocpp-chargepoint-handlers');

function registrationOf(prototype: object): Registration {
  const own = Object.prototype.hasOwnProperty.call(prototype, REGISTRY);
  if (!own) {
    // Copy the parent's table so subclasses inherit handlers and may override them.
    const parent = (prototype as { [REGISTRY]?: Registration })[REGISTRY];
    const reg: Registration = {
      on: new Map(parent?.on ?? []),
      after: new Map([...(parent?.after ?? new Map()).entries()].map(([k, v]) => [k, [...v]])),
    };
    Object.defineProperty(prototype, REGISTRY, { value: reg, enumerable: false });
  }
  return (prototype as { [REGISTRY]: Registration })[REGISTRY];
}

/**
 * Method decorator: this method answers the CSMS's `action` CALL; its return
 * value is the CALLRESULT payload (validated before it is sent).
 * Works with `experimentalDecorators` (the setting Nest uses).
 */
export function On(action: CsAction16, options: OnOptions = {}): MethodDecorator {
  return (target, key) => {
    registrationOf(target).on.set(action, { method: key, options });
  };
}

/** Method decorator: runs after the CALLRESULT for `action` was written to the socket. */
export function After(action: CsAction16, options: AfterOptions = {}): MethodDecorator {
  return (target, key) => {
    const reg = registrationOf(target);
    reg.after.set(action, [...(reg.after.get(action) ?? []), { method: key, options }]);
  };
}

/** The decorated handlers of an instance, bound to it. */
export function decoratedHandlers(instance: object): {
  on: Map<string, { fn: OnHandler; options: OnOptions }>;
  after: Map<string, AfterHandler[]>;
} {
  const reg = (instance as { [REGISTRY]?: Registration })[REGISTRY];
  const on = new Map<string, { fn: OnHandler; options: OnOptions }>();
  const after = new Map<string, AfterHandler[]>();
  const method = (key: string | symbol) => (instance as Record<string | symbol, (...a: unknown[]) => unknown>)[key].bind(instance);
  for (const [action, r] of reg?.on ?? []) on.set(action, { fn: method(r.method) as OnHandler, options: r.options });
  for (const [action, list] of reg?.after ?? []) after.set(action, list.map((r) => method(r.method) as AfterHandler));
  return { on, after };
}

/** Lower-case aliases, matching the Python-style `@on` / `@after` API. */
export { On as on, After as after };
