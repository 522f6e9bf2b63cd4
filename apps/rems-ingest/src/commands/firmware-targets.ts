import { compareVersions, type DeviceModelType } from '@cpo/rems-protocol';
import type { FirmwareVersionRow } from './command.repository.js';

/** Something firmware is installed on: the transceiver itself or the module on a port. */
export interface FirmwareTarget {
  deviceModelType: DeviceModelType;
  port: number | null;
  modelId: string | null;
  installedVersion: string | null;
}

/**
 * The newest version of a model: by `v?MAJOR.MINOR.PATCH` when every version has that form,
 * otherwise by creation order.
 */
export function latestVersion(versions: FirmwareVersionRow[]): FirmwareVersionRow | undefined {
  if (versions.length === 0) return undefined;
  const semantic = versions.every((v, _i, all) => compareVersions(v.version, all[0].version) !== undefined);
  if (!semantic) return versions.reduce((a, b) => (BigInt(b.seq) > BigInt(a.seq) ? b : a));
  return versions.reduce((a, b) => ((compareVersions(b.version, a.version) ?? 0) > 0 ? b : a));
}

/** Whether `latest` should replace what is installed (nothing installed counts as older). */
export function needsUpdate(installed: string | null, latest: FirmwareVersionRow, versions: FirmwareVersionRow[]): boolean {
  if (installed === null) return true;
  if (installed === latest.version) return false;
  const byVersion = compareVersions(latest.version, installed);
  if (byVersion !== undefined) return byVersion > 0;
  const known = versions.find((v) => v.version === installed);
  return known === undefined || BigInt(latest.seq) > BigInt(known.seq);
}
