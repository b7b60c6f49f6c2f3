-- Partita store, version 1. One file serves SQLite and PostgreSQL: only bigint, int, text and
-- bytea columns, composite primary keys and plain indexes.

-- A job as submitted (spec is the validated JSON spec) and its outcome.
-- partitions is -1 until a prepare task has decided it.
create table jobs (
  id text not null primary key,
  name text not null,
  function_name text not null,
  spec text not null,
  partitions bigint not null,
  status text not null,
  error text,
  result bytea,
  created_at bigint not null,
  finished_at bigint
);
create index jobs_status on jobs (status);

-- Inputs materialised by a prepare task, one row per partition.
create table job_inputs (
  job_id text not null,
  idx bigint not null,
  input bytea not null,
  primary key (job_id, idx)
);

-- Durable task outputs. level 0 rows are partition outputs; level k > 0 rows are outputs of the
-- combine tree. When a combine node is written its children's rows are deleted in the same
-- transaction: a node's presence implies its whole subtree is complete.
create table task_results (
  job_id text not null,
  level int not null,
  idx bigint not null,
  attempt int not null,
  output bytea not null,
  primary key (job_id, level, idx)
);
