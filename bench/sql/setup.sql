-- Fixtures for the pgbench scenarios, in the service's database after its migrations ran:
-- one session and stream per pgbench client (pgb-<client_id>, up to 64 clients), like those the
-- service creates, and the scratch table of the one-row INSERT floor.
create table if not exists bench_floor (id bigint generated always as identity primary key, v text not null);

insert into sessions (session_id, tenant)
select 'pgb-session-' || i, 'default' from generate_series(0, 63) i
on conflict do nothing;

insert into streams (stream_id, session_id, tenant, create_request, created_by, lease_seconds, lease_expires_at)
select 'pgb-' || i, 'pgb-session-' || i, 'default', '{"leaseSeconds": 3600}', 'anonymous', 3600, now() + interval '1 hour'
  from generate_series(0, 63) i
on conflict do nothing;

insert into stream_sessions (stream_id, session_id, tenant)
select 'pgb-' || i, 'pgb-session-' || i, 'default' from generate_series(0, 63) i
on conflict do nothing;
