-- A job's event log (GET /api/jobs/{id}/events): one row per event, numbered by the coordinator
-- from 1 per job. event is the event as JSON text; a job-level event is written when it happens and
-- written again (same seq) once the module's log function has run for it.
create table job_events (
  job_id text not null,
  seq bigint not null,
  at bigint not null,
  type text not null,
  event text not null,
  primary key (job_id, seq)
);
