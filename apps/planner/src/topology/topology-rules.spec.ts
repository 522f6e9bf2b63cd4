import { GroupSpec, StationSpec, TopologyFile } from './topology-file.js';

/** Field paths of the issues zod reports, the way the API names them in `details`. */
function problems(schema: { safeParse(v: unknown): { success: boolean; error?: { issues: { path: PropertyKey[] }[] } } }, input: unknown): string[] {
  const parsed = schema.safeParse(input);
  return parsed.success ? [] : parsed.error!.issues.map((i) => i.path.map(String).join('.'));
}

describe('topology rules (file and operator API)', () => {
  const station = { stationId: 'CP-1', maxCurrentA: 32 };

  it('accepts a plain station and a plain group', () => {
    expect(problems(StationSpec, { ...station, connectors: [{ connectorId: 1 }, { connectorId: 2, minCurrentA: 8, maxCurrentA: 16 }] })).toEqual([]);
    expect(problems(GroupSpec, { groupId: 'G', contractKw: 100, timeZone: 'Europe/Paris', stations: [station, { ...station, stationId: 'CP-2' }] })).toEqual([]);
  });

  it('refuses a connector listed twice', () => {
    expect(problems(StationSpec, { ...station, connectors: [{ connectorId: 1 }, { connectorId: 1, maxCurrentA: 32 }] })).toEqual(['connectors.1.connectorId']);
  });

  it("refuses a minimum current above the connector's or the station's maximum", () => {
    expect(problems(StationSpec, { ...station, connectors: [{ connectorId: 1, maxCurrentA: 10, minCurrentA: 16 }] })).toEqual(['connectors.0.minCurrentA']);
    expect(problems(StationSpec, { ...station, maxCurrentA: 10, connectors: [{ connectorId: 1, minCurrentA: 16 }] })).toEqual(['connectors.0.minCurrentA']);
    // Without a list, connectors take the IEC 61851 minimum (6 A): a 5 A station could admit no one.
    expect(problems(StationSpec, { ...station, maxCurrentA: 5, connectorCount: 2 })).toEqual(['maxCurrentA']);
  });

  it('refuses an empty connector list and a connector count that contradicts the list', () => {
    expect(problems(StationSpec, { ...station, connectors: [] })).toEqual(['connectors']);
    expect(problems(StationSpec, { ...station, connectorCount: 2, connectors: [{ connectorId: 1 }] })).toEqual(['connectorCount']);
    expect(problems(StationSpec, { ...station, connectorCount: 1, connectors: [{ connectorId: 1 }] })).toEqual([]);
  });

  it('checks the cross-field rules only on a well-formed station (an absurd connectorCount is not expanded)', () => {
    expect(problems(StationSpec, { ...station, connectorCount: 1e9 })).toEqual(['connectorCount']);
  });

  it('refuses a station id no charger can connect with (the ocpp identity rule)', () => {
    expect(problems(StationSpec, { ...station, stationId: 'a:b' })).toEqual(['stationId']);
    expect(problems(StationSpec, { ...station, stationId: 'a/b' })).toEqual(['stationId']);
    expect(problems(StationSpec, { ...station, stationId: 'tab\there' })).toEqual(['stationId']);
    expect(problems(StationSpec, { ...station, stationId: 'x'.repeat(49) })).toEqual(['stationId']);
    expect(problems(StationSpec, { ...station, stationId: 'CP 1 (legacy)' })).toEqual([]);
  });

  it('refuses the same station twice in one group, an unknown time zone and an absurd contract', () => {
    expect(problems(GroupSpec, { groupId: 'G', contractKw: 100, stations: [station, station] })).toEqual(['stations.1.stationId']);
    expect(problems(GroupSpec, { groupId: 'G', contractKw: 100, timeZone: 'Mars/Olympus' })).toEqual(['timeZone']);
    expect(problems(GroupSpec, { groupId: 'G', contractKw: 1e308 })).toEqual(['contractKw']);
  });

  it('keeps integers within the database columns', () => {
    expect(problems(StationSpec, { ...station, priority: 2 ** 40, connectors: [{ connectorId: 2 ** 31 }] })).toEqual(['priority', 'connectors.0.connectorId']);
  });

  it('applies the same rules to a topology file', () => {
    expect(problems(TopologyFile, { groups: [{ groupId: 'G', contractKw: 100, stations: [{ ...station, stationId: 'a:b' }] }] })).toEqual(['groups.0.stations.0.stationId']);
  });
});
