import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Partners and their connection, groups, inbound messages, forecasts, outbound audit, adjusts, alerts, measurements. */
export class OscpSchema1732400000000 implements MigrationInterface {
  name = 'OscpSchema1732400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE oscp_partner (
        id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name                 text NOT NULL UNIQUE,
        profile              text NOT NULL CHECK (profile IN ('elmo', 'generic')),
        base_url             text NOT NULL,
        our_base_url         text NOT NULL,
        state                text NOT NULL,
        initial_token        text,
        outbound_token       text,
        inbound_token_hash   text UNIQUE,
        previous_token_hash  text,
        peer_base_url        text,
        required_behaviour   jsonb,
        handshake_request_id text,
        offline_mode_at      timestamptz,
        state_changed_at     timestamptz NOT NULL DEFAULT now(),
        created_at           timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE oscp_group (
        partner_id           uuid NOT NULL REFERENCES oscp_partner(id) ON DELETE CASCADE,
        group_id             text NOT NULL,
        contract_capacity_kw double precision,
        stations             text[] NOT NULL DEFAULT '{}',
        register             jsonb NOT NULL DEFAULT '{"totalWh":0,"meters":{},"mainMeterStations":[]}',
        last_point_minute    timestamptz,
        last_point_kwh       double precision NOT NULL DEFAULT 0,
        PRIMARY KEY (partner_id, group_id)
      )`);
    await q.query(`CREATE INDEX oscp_group_stations_idx ON oscp_group USING gin (stations)`);
    await q.query(`
      CREATE TABLE oscp_inbound (
        id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        partner_id     uuid NOT NULL REFERENCES oscp_partner(id) ON DELETE CASCADE,
        action         text NOT NULL,
        method         text NOT NULL,
        request_id     text NOT NULL,
        correlation_id text,
        body           jsonb NOT NULL,
        received_at    timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX oscp_inbound_partner_idx ON oscp_inbound (partner_id, received_at DESC)`);
    await q.query(`
      CREATE TABLE oscp_forecast (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        partner_id    uuid NOT NULL REFERENCES oscp_partner(id) ON DELETE CASCADE,
        group_id      text NOT NULL,
        request_id    text NOT NULL,
        forecast_type text NOT NULL,
        kind          text NOT NULL,
        day           date,
        late          boolean NOT NULL DEFAULT false,
        blocks        jsonb NOT NULL,
        published     boolean NOT NULL,
        received_at   timestamptz NOT NULL,
        seq           bigserial
      )`);
    await q.query(`CREATE INDEX oscp_forecast_group_idx ON oscp_forecast (partner_id, group_id, day, received_at DESC)`);
    await q.query(`CREATE INDEX oscp_forecast_request_idx ON oscp_forecast (partner_id, group_id, received_at DESC)`);
    await q.query(`
      CREATE TABLE oscp_outbound (
        id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        partner_id      uuid NOT NULL REFERENCES oscp_partner(id) ON DELETE CASCADE,
        action          text NOT NULL,
        method          text NOT NULL,
        request_id      text NOT NULL UNIQUE,
        correlation_id  text,
        body            jsonb NOT NULL,
        context         jsonb NOT NULL DEFAULT '{}',
        status          text NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
        attempts        integer NOT NULL DEFAULT 0,
        max_attempts    integer NOT NULL,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        response_status integer,
        response_body   text,
        error           text,
        created_at      timestamptz NOT NULL DEFAULT now(),
        finished_at     timestamptz
      )`);
    await q.query(`CREATE INDEX oscp_outbound_due_idx ON oscp_outbound (next_attempt_at) WHERE status IN ('pending', 'sending')`);
    await q.query(`CREATE INDEX oscp_outbound_partner_idx ON oscp_outbound (partner_id, created_at DESC)`);
    await q.query(`
      CREATE TABLE oscp_adjust (
        partner_id   uuid NOT NULL REFERENCES oscp_partner(id) ON DELETE CASCADE,
        group_id     text NOT NULL,
        day          date NOT NULL,
        status       text NOT NULL CHECK (status IN ('pending', 'accepted', 'already_requested', 'rejected')),
        outbound_id  uuid NOT NULL,
        requested_by text NOT NULL,
        requested_at timestamptz NOT NULL,
        accepted_at  timestamptz,
        PRIMARY KEY (partner_id, group_id, day)
      )`);
    await q.query(`
      CREATE TABLE oscp_alert (
        id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        partner_id uuid NOT NULL REFERENCES oscp_partner(id) ON DELETE CASCADE,
        group_id   text NOT NULL,
        kind       text NOT NULL,
        day        date NOT NULL,
        message    text NOT NULL,
        raised_at  timestamptz NOT NULL,
        UNIQUE (partner_id, group_id, kind, day)
      )`);
    await q.query(`
      CREATE TABLE oscp_measurement_point (
        partner_id  uuid NOT NULL,
        group_id    text NOT NULL,
        minute      timestamptz NOT NULL,
        value_kwh   double precision NOT NULL,
        outbound_id uuid,
        PRIMARY KEY (partner_id, group_id, minute),
        FOREIGN KEY (partner_id, group_id) REFERENCES oscp_group(partner_id, group_id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX oscp_measurement_unsent_idx ON oscp_measurement_point (partner_id, group_id, minute) WHERE outbound_id IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['oscp_measurement_point', 'oscp_alert', 'oscp_adjust', 'oscp_outbound', 'oscp_forecast', 'oscp_inbound', 'oscp_group', 'oscp_partner']) {
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    }
  }
}
