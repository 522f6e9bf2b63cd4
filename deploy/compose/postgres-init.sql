-- Runs once, when the postgres container initialises an empty data volume.
-- One development server holds every service's database; each service owns its own schema and
-- runs its migrations on boot.
CREATE DATABASE ocpp;
CREATE DATABASE oscp;
CREATE DATABASE planner;
CREATE DATABASE rems;
CREATE DATABASE ocpi;
