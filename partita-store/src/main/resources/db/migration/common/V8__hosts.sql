-- What the coordinator knows of each volunteer host and worker (docs/verification.md): the record
-- adaptive replication trusts, and the credit granted for validated answers. The key is a hash of a
-- volunteer's secret key, or a worker's name and address; nothing else about a volunteer is stored.
create table hosts (
  host_key text primary key,
  display_name text,
  validated bigint not null,
  invalid bigint not null,
  unchecked bigint not null,
  consecutive bigint not null,
  errors bigint not null,
  cpu_millis bigint not null,
  credit double precision not null,
  updated_at bigint not null
);
create index hosts_by_credit on hosts (credit desc);
