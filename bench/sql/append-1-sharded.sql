-- pgbench: the SQL the service runs for an append of one content event without seq on a sharded
-- journal (Citus, BENCH_CITUS=1), where appends are not combined: one transaction of two statements on
-- the session's shard, the stream row moved past the batch (JournalRepository.CONTINUE_STREAM), then the
-- event at the seq it made room for (INSERT_EVENT). The doorbell NOTIFY is sent after the commit,
-- outside it. Each client appends to its own stream pgb-<client_id> in session pgb-session-<client_id>
-- (bench/sql/setup.sql).
-- Generated from the service's SQL: keep this file in step with it when that changes.
BEGIN;
update streams
   set last_seq = last_seq + 1,
       last_event = 'token',
       last_event_at = now(),
       lease_expires_at = to_timestamp(floor(extract(epoch from now())) + lease_seconds + 1)
 where session_id = 'pgb-session-' || :client_id and stream_id = 'pgb-' || :client_id and tenant = 'default' and not closed
   and (terminal_state is null or not true) and (null::integer is null or last_seq = null)
returning last_seq, terminal_state, stop_requested_at is not null as stop_requested
\gset
insert into journal_events (stream_id, seq, session_id, tenant, type, data, data_bytes, principal)
values ('pgb-' || :client_id, :last_seq, 'pgb-session-' || :client_id, 'default', 'token', '{"text":"lorem ipsum "}'::text::jsonb, octet_length('{"text":"lorem ipsum "}'::text), 'anonymous');
COMMIT;
