-- Failed attempts per task (docs/store.md): written with the group commits, read when a coordinator
-- resumes a job, so that a restart does not give a failing task a fresh set of attempts. Only tasks
-- that failed have a row.
create table task_failures (
  job_id text not null,
  level int not null,
  idx bigint not null,
  failures int not null,
  primary key (job_id, level, idx)
);
