-- Datasets and data jobs (docs/data.md). Each row keeps its description as JSON text: a dataset's
-- format, columns and splits; a data job's spec, phase jobs, counters and outputs. Rows are
-- written whole, so a reader sees one version or the next, never a mix.
create table datasets (
  id text not null primary key,
  kind text not null,
  status text not null,
  created_at bigint not null,
  doc text not null
);

create table data_jobs (
  id text not null primary key,
  kind text not null,
  status text not null,
  created_at bigint not null,
  doc text not null
);
create index data_jobs_status on data_jobs (status);
