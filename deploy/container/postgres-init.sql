-- deploy/compose.yaml: the postgres image runs this once, on an empty data volume.
-- POSTGRES_DB creates the gateway's database (willkommen); Rasa's tracker store gets its own.
CREATE DATABASE willkommen_rasa OWNER willkommen;
