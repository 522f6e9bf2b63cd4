import { IMPLEMENTED_SUBPROTOCOLS } from '../config.js';

/** A station's subprotocol quirks (guide §1.2), off unless an operator sets them. */
export interface SubprotocolQuirks {
  /** Non-standard names the station offers → the version each stands for, e.g. `{"ocpp1.6.0": "ocpp1.6"}`. */
  subprotocolAliases: Record<string, string>;
  /** The version to speak when the station offers none; null: such a connection is refused. */
  missingSubprotocol: string | null;
}

const MAX_ALIASES = 8;
/** An RFC 6455 subprotocol is an RFC 2616 token: visible ASCII without separators. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}$/;
const IMPLEMENTED = new Set<string>(IMPLEMENTED_SUBPROTOCOLS);

/** Why an operator's alias map cannot be stored, or undefined when it can. */
export function aliasProblem(aliases: Record<string, unknown>): string | undefined {
  const entries = Object.entries(aliases);
  if (entries.length > MAX_ALIASES) return `at most ${MAX_ALIASES} aliases`;
  for (const [alias, version] of entries) {
    if (!TOKEN.test(alias)) return `"${alias}" is not a subprotocol name (1–64 token characters)`;
    if (IMPLEMENTED.has(alias)) return `"${alias}" is a standard name, not an alias`;
    if (typeof version !== 'string' || !IMPLEMENTED.has(version)) return `"${alias}" must stand for one of ${[...IMPLEMENTED].join(', ')}`;
  }
  return undefined;
}

/**
 * The subprotocol to echo: the first of the server's preference list the charger offered, else an
 * alias this station is known to use (echoed as offered: the echo must be one of the offers), else
 * false (the handshake completes without the header and the socket is closed, OCPP-J §3.1.2).
 */
export function negotiate(offered: ReadonlySet<string>, preference: readonly string[], quirks: SubprotocolQuirks | undefined): string | false {
  const standard = preference.find((p) => offered.has(p) && IMPLEMENTED.has(p));
  if (standard) return standard;
  if (!quirks) return false;
  return Object.keys(quirks.subprotocolAliases).find((alias) => offered.has(alias) && preference.includes(quirks.subprotocolAliases[alias]!)) ?? false;
}

/** The version a connection speaks, given what was echoed (`''` when nothing) and whether the charger offered anything. */
export function spokenVersion(echoed: string, offeredAny: boolean, quirks: SubprotocolQuirks, preference: readonly string[]): string | undefined {
  if (echoed) return IMPLEMENTED.has(echoed) ? echoed : quirks.subprotocolAliases[echoed];
  if (offeredAny || !quirks.missingSubprotocol || !preference.includes(quirks.missingSubprotocol)) return undefined;
  return quirks.missingSubprotocol;
}
