import type { Req16 } from '@cpo/ocpp-protocol';

type IdTagInfo = NonNullable<Req16<'SendLocalList'>['localAuthorizationList']>[number]['idTagInfo'];

/**
 * The charger's local authorization: the list the CSMS sends (SendLocalList)
 * and the cache of Authorize answers. With LocalPreAuthorize a tag known as
 * Accepted and not expired starts charging without an Authorize round trip.
 */
export class LocalAuthorization {
  version = 0;
  private readonly list = new Map<string, NonNullable<IdTagInfo>>();
  private readonly cache = new Map<string, NonNullable<IdTagInfo>>();

  /** Accepted locally (list first, then cache when enabled)? */
  preAuthorized(idTag: string, now: Date, useCache: boolean): boolean {
    const info = this.list.get(idTag) ?? (useCache ? this.cache.get(idTag) : undefined);
    return !!info && info.status === 'Accepted' && (!info.expiryDate || Date.parse(info.expiryDate) > now.getTime());
  }

  remember(idTag: string, info: NonNullable<IdTagInfo>): void {
    this.cache.set(idTag, info);
  }

  clearCache(): void {
    this.cache.clear();
  }

  apply(req: Req16<'SendLocalList'>, maxLength: number): 'Accepted' | 'Failed' | 'VersionMismatch' {
    if (req.updateType === 'Differential' && req.listVersion <= this.version) return 'VersionMismatch';
    const entries = req.localAuthorizationList ?? [];
    const next = new Map(req.updateType === 'Full' ? [] : this.list);
    for (const e of entries) {
      if (e.idTagInfo) next.set(e.idTag, e.idTagInfo);
      else next.delete(e.idTag);
    }
    if (next.size > maxLength) return 'Failed';
    this.list.clear();
    for (const [k, v] of next) this.list.set(k, v);
    this.version = req.listVersion;
    return 'Accepted';
  }
}
