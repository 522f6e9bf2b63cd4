-- Runs once, when the postgres container initialises an empty data volume (docker compose only).
-- One database per service, each owned by the service's own role, and nobody else may connect:
-- the same isolation Kubernetes gets from one CloudNativePG cluster per service. The passwords are
-- development values, public in this repository (docker-compose.yml uses them).
-- The services run their migrations on boot under a PostgreSQL advisory lock (libs/platform).
CREATE ROLE ocpp LOGIN PASSWORD 'ocpp-dev-password';
CREATE ROLE oscp LOGIN PASSWORD 'oscp-dev-password';
CREATE ROLE planner LOGIN PASSWORD 'planner-dev-password';
CREATE ROLE rems LOGIN PASSWORD 'rems-dev-password';
CREATE ROLE ocpi LOGIN PASSWORD 'ocpi-dev-password';

CREATE DATABASE ocpp OWNER ocpp;
CREATE DATABASE oscp OWNER oscp;
CREATE DATABASE planner OWNER planner;
CREATE DATABASE rems OWNER rems;
CREATE DATABASE ocpi OWNER ocpi;

REVOKE CONNECT, TEMPORARY ON DATABASE ocpp, oscp, planner, rems, ocpi FROM PUBLIC;
GRANT CONNECT ON DATABASE ocpp TO ocpp;
GRANT CONNECT ON DATABASE oscp TO oscp;
GRANT CONNECT ON DATABASE planner TO planner;
GRANT CONNECT ON DATABASE rems TO rems;
GRANT CONNECT ON DATABASE ocpi TO ocpi;
