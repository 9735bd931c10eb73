-- pgbench: the SQL the service runs for an append of one content event without seq on a sharded
-- journal (Citus, BENCH_CITUS=1), where appends are not combined: AppendService's general transaction,
-- each statement on the session's shard (JournalRepository.LOCK_STREAM, INSERT_EVENTS and
-- UPDATE_AFTER_APPEND; a content event without seq reads no stored events). The doorbell NOTIFY is sent
-- after the commit, outside it. Each client appends to its own stream pgb-<client_id> in session
-- pgb-session-<client_id> (bench/sql/setup.sql).
-- Generated from the service's SQL: keep this file in step with it when that changes.
BEGIN;
select stream_id, session_id, tenant, last_seq, terminal_state, closed
  from streams
 where session_id = 'pgb-session-' || :client_id and stream_id = 'pgb-' || :client_id and tenant = 'default'
   for update
\gset
\set next_seq :last_seq + 1
insert into journal_events (stream_id, seq, session_id, tenant, type, data, data_bytes, principal)
select 'pgb-' || :client_id, e.seq, 'pgb-session-' || :client_id, 'default', e.type, e.data::jsonb, octet_length(e.data), 'anonymous'
  from unnest(array[:next_seq]::integer[], array['token']::text[], array['{"text":"lorem ipsum "}']::text[]) with ordinality as e(seq, type, data, n)
 order by e.n;
update streams
   set last_seq = :next_seq,
       last_event = 'token',
       last_event_at = now(),
       lease_expires_at = to_timestamp(floor(extract(epoch from now())) + lease_seconds + 1)
 where session_id = 'pgb-session-' || :client_id and stream_id = 'pgb-' || :client_id;
COMMIT;
