import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Partners (connections, parties, agreements), the object cache, outbound audit and routing memory. */
export class OcpiHub1732500000000 implements MigrationInterface {
  name = 'OcpiHub1732500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ocpi_connection (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        face text NOT NULL CHECK (face IN ('cpo-face', 'emsp-face')),
        status text NOT NULL DEFAULT 'PLANNED' CHECK (status IN ('PLANNED', 'CONNECTED', 'OFFLINE', 'SUSPENDED')),
        version text CHECK (version IN ('2.1.1', '2.2.1')),
        token_a_hmac text UNIQUE,
        token_a_enc text,
        our_token_hmac text UNIQUE,
        our_token_enc text,
        prev_token_hmac text UNIQUE,
        prev_token_expires_at timestamptz,
        partner_token_enc text,
        partner_versions_url text,
        endpoints jsonb NOT NULL DEFAULT '[]',
        business_details jsonb,
        outbound_encoding text CHECK (outbound_encoding IN ('plain', 'base64')),
        inbound_encoding text CHECK (inbound_encoding IN ('plain', 'base64')),
        owner_id_extensions boolean NOT NULL DEFAULT true,
        needs_resync boolean NOT NULL DEFAULT false,
        last_seen_at timestamptz,
        last_sync_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE ocpi_party (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        connection_id uuid NOT NULL REFERENCES ocpi_connection(id) ON DELETE CASCADE,
        country_code text NOT NULL,
        party_id text NOT NULL,
        role text NOT NULL,
        UNIQUE (country_code, party_id, role)
      )`);
    await q.query(`CREATE INDEX ocpi_party_connection ON ocpi_party (connection_id)`);
    await q.query(`
      CREATE TABLE ocpi_agreement (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        cpo_party uuid NOT NULL REFERENCES ocpi_party(id) ON DELETE CASCADE,
        emsp_party uuid NOT NULL REFERENCES ocpi_party(id) ON DELETE CASCADE,
        rta_on_timeout text NOT NULL DEFAULT 'DENY' CHECK (rta_on_timeout IN ('ALLOW', 'DENY')),
        rta_timeout_ms integer,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (cpo_party, emsp_party)
      )`);
    await q.query(`CREATE INDEX ocpi_agreement_emsp ON ocpi_agreement (emsp_party)`);
    // The cache: the owner's object as sent (last_updated verbatim inside data), creation order in seq.
    await q.query(`
      CREATE TABLE ocpi_object (
        seq bigserial UNIQUE,
        module text NOT NULL,
        country_code text NOT NULL,
        party_id text NOT NULL,
        object_id text NOT NULL,
        object_type text NOT NULL DEFAULT '',
        data jsonb NOT NULL,
        source_version text NOT NULL,
        -- Sessions and CDRs belong to one eMSP ('CC*PID'); NULL = every partner with an agreement.
        audience text,
        last_updated timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (module, country_code, party_id, object_id, object_type)
      )`);
    await q.query(`CREATE INDEX ocpi_object_module_seq ON ocpi_object (module, seq)`);
    await q.query(`CREATE INDEX ocpi_object_module_id ON ocpi_object (module, object_id)`);
    await q.query(`
      CREATE TABLE ocpi_outbound_call (
        id bigserial PRIMARY KEY,
        connection_id uuid,
        module text NOT NULL,
        method text NOT NULL,
        url text NOT NULL,
        request_id text NOT NULL,
        correlation_id text NOT NULL,
        attempt integer NOT NULL,
        http_status integer,
        status_code integer,
        duration_ms integer NOT NULL,
        error text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX ocpi_outbound_call_connection ON ocpi_outbound_call (connection_id, created_at)`);
    // Real-time authorisation memory: which eMSP allowed a token at a CPO, for the session and CDR that follow.
    await q.query(`
      CREATE TABLE ocpi_token_route (
        cpo_country_code text NOT NULL,
        cpo_party_id text NOT NULL,
        token_uid text NOT NULL,
        token_type text NOT NULL,
        emsp_country_code text NOT NULL,
        emsp_party_id text NOT NULL,
        authorization_reference text,
        location_id text,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (cpo_country_code, cpo_party_id, token_uid, token_type)
      )`);
    await q.query(`CREATE INDEX ocpi_token_route_ref ON ocpi_token_route (authorization_reference)`);
    // The platform's own chargers: which OCPP station connector is which EVSE of which own Location.
    await q.query(`
      CREATE TABLE ocpi_own_evse (
        station_id text NOT NULL,
        connector_id integer NOT NULL,
        location_id text NOT NULL,
        evse_uid text NOT NULL,
        PRIMARY KEY (station_id, connector_id),
        UNIQUE (location_id, evse_uid)
      )`);
    // Roaming sessions on the own chargers: what the OCPI Session needs and the OCPP events do not repeat.
    await q.query(`
      CREATE TABLE ocpi_own_session (
        transaction_id bigint PRIMARY KEY,
        session_id text NOT NULL,
        meter_start_wh double precision NOT NULL,
        emsp_country_code text NOT NULL,
        emsp_party_id text NOT NULL
      )`);
    // Commands in flight: the original response_url is kept here, the receiver only sees the hub's.
    await q.query(`
      CREATE TABLE ocpi_command (
        id uuid PRIMARY KEY,
        kind text NOT NULL,
        command text NOT NULL,
        requester_connection uuid,
        requester_country_code text NOT NULL,
        requester_party_id text NOT NULL,
        receiver_country_code text NOT NULL,
        receiver_party_id text NOT NULL,
        response_url text,
        correlation_id text NOT NULL,
        status text NOT NULL DEFAULT 'REQUESTED',
        result jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['ocpi_own_session', 'ocpi_own_evse', 'ocpi_command', 'ocpi_token_route', 'ocpi_outbound_call', 'ocpi_object', 'ocpi_agreement', 'ocpi_party', 'ocpi_connection']) {
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    }
  }
}
