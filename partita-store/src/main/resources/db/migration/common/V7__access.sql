-- Access control (docs/security.md): API tokens, who owns what, and the audit log.
-- A token is kept only as the SHA-256 of its text (hex); the text is shown once, when it is made.
create table api_tokens (
  id text not null primary key,
  hash text not null,
  user_name text not null,
  role text not null,
  tenant text not null,
  created_at bigint not null,
  expires_at bigint,
  revoked_at bigint
);
create unique index api_tokens_hash on api_tokens (hash);

-- The tenant and the creator of a job, dataset, data job, registered function or grid call, by
-- (kind, id). Written before the thing itself, so nothing exists unowned; a row without its thing
-- (a refused submit) owns nothing. A thing without a row (made before V7) is seen by admins only.
create table owners (
  kind text not null,
  id text not null,
  tenant text not null,
  creator text not null,
  primary key (kind, id)
);
create index owners_tenant on owners (kind, tenant);

-- Append-only: admin actions and refused credentials. Nothing updates or deletes a row.
create table audit_log (
  id text not null primary key,
  at bigint not null,
  actor text not null,
  action text not null,
  target text not null,
  outcome text not null,
  remote text not null
);
create index audit_log_at on audit_log (at);
