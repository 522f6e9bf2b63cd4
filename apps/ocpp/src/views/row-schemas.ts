type Schema = Record<string, unknown>;

/**
 * The rows the operator views answer, as they are returned: a page's items were documented as bare
 * objects. Station rows are the table's own columns (snake_case) and the other views camelCase;
 * renaming either would break clients, so the document says so instead.
 */
const text = (description?: string): Schema => ({
  type: 'string',
  nullable: true,
  ...(description && { description }),
});
const time = (description?: string): Schema => ({
  type: 'string',
  format: 'date-time',
  nullable: true,
  ...(description && { description }),
});
const object = (description: string): Schema => ({
  type: 'object',
  nullable: true,
  additionalProperties: true,
  description,
});
/** A row: every field is always present (null where it has no value). */
const row = (properties: Schema, description?: string): Schema => ({
  type: 'object',
  required: Object.keys(properties),
  properties,
  ...(description && { description }),
});

/** Where the station is connected now (Redis presence), or null when no replica holds it. */
const CONNECTION_SCHEMA: Schema = {
  type: 'object',
  nullable: true,
  description: 'The replica holding its WebSocket now; null: not connected (or unknown, see connection_known)',
  properties: {
    replicaId: { type: 'string' },
    connectionId: { type: 'string' },
    connectedAt: { type: 'string', format: 'date-time' },
    lastSeenAt: { type: 'string', format: 'date-time' },
  },
};

/** The views serve the database's data while Redis is down, saying so here rather than failing. */
const CONNECTION_KNOWN_SCHEMA: Schema = {
  type: 'boolean',
  description: 'false: the presence registry (Redis) could not be read, so whether and where the station is connected is unknown (connection is null)',
};

const CONNECTOR_STATUS = {
  connectorId: { type: 'integer', minimum: 0 },
  status: { type: 'string' },
  errorCode: { type: 'string' },
  statusAt: { type: 'string', format: 'date-time' },
};

/** The columns every station row has (list and detail), snake_case as stored. */
const STATION_COLUMNS: Schema = {
  id: { type: 'string' },
  security_profile: { type: 'integer', enum: [0, 1, 2] },
  has_password: {
    type: 'boolean',
    description: 'Whether an AuthorizationKey is set (the key itself is never shown)',
  },
  registration_status: {
    type: 'string',
    enum: ['Accepted', 'Pending', 'Rejected'],
  },
  validation_policy: { type: 'string', enum: ['strict', 'lenient', 'off'] },
  auto_registered: {
    type: 'boolean',
    description: 'Registered by its own connection (unknown-station policy), not by an operator',
  },
  vendor: text('From its BootNotification'),
  model: text(),
  serial_number: text(),
  charge_box_serial_number: text(),
  firmware_version: text(),
  iccid: text(),
  imsi: text(),
  meter_type: text(),
  meter_serial_number: text(),
  last_boot_status: text('What its last BootNotification was answered'),
  booted_at: time(),
  last_seen_at: time(),
  firmware_status: text(),
  firmware_status_at: time(),
  diagnostics_status: text(),
  diagnostics_status_at: time(),
  log_status: text(),
  log_status_at: time(),
  subprotocol_aliases: {
    type: 'object',
    additionalProperties: { type: 'string' },
  },
  missing_subprotocol: text(),
  capabilities: {
    type: 'object',
    additionalProperties: true,
    description: 'What the station reported it supports (e.g. NumberOfConnectors, feature profiles)',
  },
  created_at: { type: 'string', format: 'date-time' },
  updated_at: { type: 'string', format: 'date-time' },
  firmware_request: object('The firmware update it accepted last, with the status received after it was sent (status, statusAt)'),
  diagnostics_request: object('The diagnostics upload it accepted last, with the status received after it was sent (status, statusAt)'),
  log_request: object('The GetLog it accepted last'),
};

/** GET /stations: a page row. */
export const STATION_ROW_SCHEMA = row(
  {
    ...STATION_COLUMNS,
    connectors: { type: 'array', items: row(CONNECTOR_STATUS) },
    connection: CONNECTION_SCHEMA,
    connection_known: CONNECTION_KNOWN_SCHEMA,
  },
  'Station columns as stored (snake_case), its connectors and connection',
);

/** GET /stations/{stationId} (and the body of PUT): the row with its configuration, connectors in full, local list and availability. */
export const STATION_SCHEMA = row(
  {
    ...STATION_COLUMNS,
    configuration: object('The configuration it reported (GetConfiguration), by key; an AuthorizationKey value is null (write-only)'),
    connectors: {
      type: 'array',
      items: row({
        ...CONNECTOR_STATUS,
        info: text(),
        vendorId: text(),
        vendorErrorCode: text(),
      }),
    },
    local_list: {
      type: 'object',
      nullable: true,
      description: 'Its local authorisation list as our accepted SendLocalList updates left it; null: none sent',
      properties: {
        listVersion: { type: 'integer', nullable: true, description: 'null: an update the charger did not take or did not answer left it unknown' },
        updateType: { type: 'string' },
        status: { type: 'string' },
        entries: { type: 'integer', nullable: true, description: 'How many entries it holds; null when unknown (as listVersion)' },
        updatedAt: { type: 'string', format: 'date-time' },
      },
    },
    availability: {
      type: 'array',
      description: 'The latest ChangeAvailability per connector, its answer, and whether the connector has reported it since (applied)',
      items: row({
        connectorId: { type: 'integer' },
        type: { type: 'string', enum: ['Inoperative', 'Operative'] },
        status: text(),
        requestedAt: time(),
        answeredAt: time(),
        applied: { type: 'boolean' },
      }),
    },
    connection: CONNECTION_SCHEMA,
    connection_known: CONNECTION_KNOWN_SCHEMA,
  },
  'Station columns as stored (snake_case), with its reported configuration, connectors, local list, availability and connection',
);

/** GET /transactions: a page row. */
export const TRANSACTION_SCHEMA = row({
  transactionId: { type: 'integer' },
  stationId: { type: 'string' },
  connectorId: { type: 'integer' },
  idTag: {
    type: 'string',
    maxLength: 255,
    description: 'As the charger sent it (a lenient station may send more than 20 characters)',
  },
  idTagStatus: {
    type: 'string',
    description: 'What its StartTransaction was answered',
  },
  meterStartWh: { type: 'integer' },
  startedAt: { type: 'string', format: 'date-time' },
  reservationId: { type: 'integer', nullable: true },
  authorizationReference: text(),
  meterStopWh: { type: 'integer', nullable: true },
  stoppedAt: time(),
  stopReason: text(),
  stopIdTag: text(),
  energyWh: {
    type: 'integer',
    nullable: true,
    description: 'See the operation description; null while running before a register reading',
  },
  stopLost: {
    type: 'boolean',
    description: 'The StopTransaction never came but the session is over',
  },
});

/** GET /reservations: a page row. */
export const RESERVATION_SCHEMA = row({
  reservationId: { type: 'integer' },
  stationId: { type: 'string' },
  connectorId: { type: 'integer' },
  idTag: { type: 'string' },
  parentIdTag: text(),
  expiryDate: { type: 'string', format: 'date-time' },
  status: {
    type: 'string',
    description: 'Requested, Accepted, TimedOut (no answer: possibly held), Expired (one of those past expiryDate), or how it ended',
  },
  transactionId: { type: 'integer', nullable: true },
  createdAt: { type: 'string', format: 'date-time' },
});

/** GET /stations/{stationId}/meter-values: one sampled value. */
export const METER_VALUE_SCHEMA = row({
  connectorId: { type: 'integer' },
  transactionId: { type: 'integer', nullable: true },
  sampledAt: { type: 'string', format: 'date-time' },
  measurand: { type: 'string' },
  value: {
    type: 'number',
    nullable: true,
    description: 'rawValue as a number; null when it is not one (e.g. a SignedData value)',
  },
  rawValue: { type: 'string' },
  unit: text('null: sent without one (e.g. a Frequency or Power.Factor sample)'),
  phase: text(),
  context: text(),
  location: text(),
  format: text(),
});

/**
 * GET /stations/{stationId}/meter-values: a page (as every list's) with `next`, the cursor of the
 * following page. The only list paged by cursor: a year of a station's samples is millions of
 * rows, paged through for exports, where the other lists are read a page or two deep.
 */
export const METER_VALUE_PAGE_SCHEMA: Schema = {
  type: 'object',
  required: ['items', 'total', 'offset', 'limit', 'next'],
  properties: {
    items: { type: 'array', items: METER_VALUE_SCHEMA },
    total: { type: 'integer', minimum: 0, description: 'samples matching from, to and transactionId, on every page (with after too)' },
    offset: { type: 'integer', minimum: 0 },
    limit: { type: 'integer', minimum: 1 },
    next: {
      type: 'string',
      nullable: true,
      description: 'Pass as `after` (with the same filters, no offset) for the samples after this page; null: this page holds the last ones. Opaque: compare or build none',
    },
  },
};

/** GET /stations/{stationId}/remote-starts: a page row. */
export const REMOTE_START_SCHEMA = row({
  id: { type: 'string', description: 'A 64-bit id, as text' },
  connectorId: { type: 'integer', nullable: true },
  idTag: { type: 'string' },
  requestedAt: { type: 'string', format: 'date-time' },
  status: {
    type: 'string',
    enum: ['Requested', 'Accepted', 'Rejected', 'Started', 'TimedOut', 'Failed'],
  },
  transactionId: { type: 'integer', nullable: true },
  settledAt: time(),
});

/** GET /stations/{stationId}/messages: a page row. */
export const STATION_MESSAGE_SCHEMA = row({
  kind: { type: 'string', description: 'The action it came with' },
  payload: { type: 'object', additionalProperties: true },
  receivedAt: { type: 'string', format: 'date-time' },
});

/** GET /stations/{stationId}/rejected-frames: a page row. */
export const REJECTED_FRAME_SCHEMA = row({
  raw: { type: 'string', description: 'The frame as received' },
  reason: { type: 'string' },
  receivedAt: { type: 'string', format: 'date-time' },
});
