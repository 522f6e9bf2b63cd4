import { latestVersion, needsUpdate } from './firmware-targets.js';

const v = (version: string, seq: number) => ({ id: `id-${seq}`, seq: String(seq), version, url: `https://fw/${version}` });

describe('firmware version choice', () => {
  it('picks the highest semantic version, whatever the creation order', () => {
    const versions = [v('v1.2.0', 1), v('v1.10.0', 2), v('v1.9.9', 3)];
    expect(latestVersion(versions)?.version).toBe('v1.10.0');
    expect(latestVersion([])).toBeUndefined();
  });

  it('falls back to creation order when a version is not semantic', () => {
    expect(latestVersion([v('beta-2', 1), v('v1.0.0', 2), v('alpha', 3)])?.version).toBe('alpha');
  });

  it('decides whether the installed version needs the latest', () => {
    const versions = [v('v1.0.0', 1), v('v1.1.0', 2)];
    const latest = versions[1];
    expect(needsUpdate(null, latest, versions)).toBe(true);
    expect(needsUpdate('v1.0.0', latest, versions)).toBe(true);
    expect(needsUpdate('v1.1.0', latest, versions)).toBe(false);
    expect(needsUpdate('v2.0.0', latest, versions)).toBe(false);
    expect(needsUpdate('custom', latest, versions)).toBe(true);
    expect(needsUpdate('custom', v('custom-2', 2), [v('custom', 3), v('custom-2', 2)])).toBe(false);
  });
});
