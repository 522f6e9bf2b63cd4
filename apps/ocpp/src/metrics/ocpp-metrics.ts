import { Injectable } from '@nestjs/common';
import { MetricsService } from '@cpo/platform';
import { Counter, Gauge, Histogram } from 'prom-client';

/** What operators watch on the central system: connections, messages, CALL latency and errors. */
@Injectable()
export class OcppMetrics {
  readonly connections: Gauge;
  readonly connectionEvents: Counter;
  readonly inboundCalls: Counter;
  readonly inboundDuration: Histogram;
  readonly outboundCalls: Counter;
  readonly outboundDuration: Histogram;
  readonly lateAnswers: Counter;
  readonly schemaViolations: Counter;
  readonly badFrames: Counter;
  readonly profileDispatches: Counter;
  readonly profileVerifications: Counter;
  readonly remoteStartTimeouts: Counter;
  readonly securityEvents: Counter;
  readonly leaseFallbacks: Counter;
  readonly certificates: Counter;
  readonly caNotAfter: Gauge;
  readonly dataTransfers: Counter;
  readonly runningTransactionProfiles: Counter;
  readonly retentionDeleted: Counter;

  constructor(metrics: MetricsService) {
    const registers = [metrics.registry];
    this.connections = new Gauge({ name: 'ocpp_connected_stations', help: 'Chargers connected to this replica', registers });
    this.connectionEvents = new Counter({
      name: 'ocpp_connection_events_total',
      // Every value the connection code counts (ocpp-gateway.ts, session-registry.ts); the spec checks none is missing.
      help:
        'WebSocket upgrades and closes by event (accepted, unauthorized: 401, unknown_station: 404, registration_full: OCPP_PENDING_STATIONS_MAX reached, ' +
        'bad_identity: bad path, no_subprotocol: no OCPP version we speak, busy: 503 too many password checks waiting, error: 500 admission failed, ' +
        'draining: 503 replica shutting down, replaced: by a newer connection of the identity, closed)',
      labelNames: ['event'],
      registers,
    });
    this.inboundCalls = new Counter({ name: 'ocpp_inbound_calls_total', help: 'Charger → CSMS CALLs by action and outcome', labelNames: ['action', 'outcome'], registers });
    this.inboundDuration = new Histogram({
      name: 'ocpp_inbound_call_duration_seconds',
      help: 'Time from receiving a charger CALL to writing its answer (persistence included)',
      labelNames: ['action'],
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.outboundCalls = new Counter({ name: 'ocpp_outbound_calls_total', help: 'CSMS → charger CALLs by action and outcome', labelNames: ['action', 'outcome'], registers });
    this.lateAnswers = new Counter({
      name: 'ocpp_outbound_late_answers_total',
      help: 'Charger answers to CSMS CALLs that arrived after the call timed out (within its late window), by action and whether their effects were applied (applied, ignored)',
      labelNames: ['action', 'handled'],
      registers,
    });
    this.outboundDuration = new Histogram({
      name: 'ocpp_outbound_call_duration_seconds',
      help: 'Time from sending a CSMS CALL to the charger\'s answer',
      labelNames: ['action'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.schemaViolations = new Counter({
      name: 'ocpp_schema_violations_total',
      help: 'Payloads that failed the OCA schema, by action, direction and whether they were processed anyway',
      labelNames: ['action', 'direction', 'handled'],
      registers,
    });
    this.badFrames = new Counter({ name: 'ocpp_bad_frames_total', help: 'Frames that could not be parsed (kept in rejected_frames)', labelNames: ['reason'], registers });
    this.profileDispatches = new Counter({
      name: 'ocpp_charging_profile_dispatches_total',
      help: 'Charging profiles sent for planner limits, by outcome',
      labelNames: ['outcome'],
      registers,
    });
    this.profileVerifications = new Counter({
      name: 'ocpp_charging_profile_verifications_total',
      help: 'Accepted charging profiles checked with GetCompositeSchedule, by outcome (verified, exceeded, unverifiable)',
      labelNames: ['outcome'],
      registers,
    });
    this.remoteStartTimeouts = new Counter({
      name: 'ocpp_remote_start_timeouts_total',
      help: 'RemoteStartTransaction accepted by the charger without a StartTransaction in time',
      registers,
    });
    this.leaseFallbacks = new Counter({
      name: 'ocpp_charging_profile_lease_fallbacks_total',
      help: 'Level-0 fallback profiles under leased connector limits, by outcome (installed, failed)',
      labelNames: ['outcome'],
      registers,
    });
    this.securityEvents = new Counter({
      name: 'ocpp_security_events_total',
      help: 'SecurityEventNotifications by type (the whitepaper\'s types; anything else counts as other) and whether the whitepaper marks the type critical',
      labelNames: ['type', 'critical'],
      registers,
    });
    this.certificates = new Counter({
      name: 'ocpp_charger_certificates_total',
      help: 'SignCertificate requests handled by the CA (OCPP_SIGN_CERTIFICATE=ca), by outcome (refused, installed, not_installed: issued but refused or unanswered by the charger)',
      labelNames: ['outcome'],
      registers,
    });
    this.caNotAfter = new Gauge({
      name: 'ocpp_ca_certificate_not_after_seconds',
      help: 'End of validity of the charger sub-CA certificate (Unix seconds); absent without OCPP_SIGN_CERTIFICATE=ca',
      registers,
    });
    this.runningTransactionProfiles = new Counter({
      name: 'ocpp_running_transaction_profiles_total',
      help: 'TxProfiles carrying a connector limit into its running transaction (chargers that apply TxDefaultProfile to new transactions only), by trigger (exceeded: first found by verification; known: learned before) and outcome',
      labelNames: ['trigger', 'outcome'],
      registers,
    });
    this.dataTransfers = new Counter({
      name: 'ocpp_data_transfers_total',
      help: 'Charger DataTransfers by outcome: the status answered (UnknownVendorId = no plug-in for the vendor) or plugin_timeout, plugin_unavailable, plugin_invalid_reply, too_large (answered with a CallError; too_large: over the bus\'s max_payload, never forwarded)',
      labelNames: ['outcome'],
      registers,
    });
    this.retentionDeleted = new Counter({
      name: 'ocpp_retention_deleted_total',
      help: 'Rows deleted past their retention (OCPP_METER_RETENTION_DAYS, OCPP_MESSAGE_RETENTION_DAYS), by table',
      labelNames: ['table'],
      registers,
    });
  }
}
