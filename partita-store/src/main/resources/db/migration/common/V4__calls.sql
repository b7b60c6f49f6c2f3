-- Grid calls (docs/calls.md). Functions that answer calls: Java ones as workers announced them
-- (version: declared or a hash of the class file), JavaScript ones as registered (version: the
-- SHA-256 of the module in the code table).
create table functions (
  name text not null primary key,
  runtime text not null,
  version text not null,
  pure int not null,
  timeout_ms bigint not null,
  created_at bigint not null
);

-- The call cache: results of pure calls by key (SHA-256 of function, version and the canonical
-- JSON of the arguments). Bounded by the coordinator, which deletes the least recently used rows;
-- last_used is written lazily.
create table call_cache (
  cache_key text not null primary key,
  function_name text not null,
  version text not null,
  result bytea not null,
  last_used bigint not null
);
create index call_cache_function on call_cache (function_name);

-- A job's fingerprint: a hash of its function's identity, params and partitioning. A new job with
-- the fingerprint of an earlier one starts from the earlier one's stored outputs.
alter table jobs add column fingerprint text;
create index jobs_fingerprint on jobs (fingerprint);
