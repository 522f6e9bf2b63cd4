/** A group as the planning loop reads it: typed, with every default resolved. */
export interface GroupModel {
  readonly groupId: string;
  readonly partnerId?: string;
  /** Contract capacity in W. */
  readonly contractW: number;
  readonly nominalVoltageV: number;
  readonly phases: 1 | 3;
  readonly safetyMargin: number;
  readonly stations: readonly StationModel[];
}

export interface StationModel {
  readonly stationId: string;
  readonly maxCurrentA: number;
  readonly phases: 1 | 3;
  readonly priority: number;
  readonly connectors: readonly ConnectorModel[];
}

export interface ConnectorModel {
  readonly connectorId: number;
  readonly maxCurrentA: number;
  readonly phases: 1 | 3;
  readonly minCurrentA: number;
  readonly priority: number;
}
