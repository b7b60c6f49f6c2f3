-- Job code by content hash (SHA-256 of the UTF-8 source, lower-case hex). Immutable once written:
-- the same source always has the same hash, so inserts that conflict are no-ops.
create table code (
  hash text not null primary key,
  language text not null,
  source text not null,
  created_at bigint not null
);
