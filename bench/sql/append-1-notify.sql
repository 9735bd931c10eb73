-- pgbench: the append transaction of the first design (up to commit d176571): an explicit transaction
-- with the NOTIFY inside, which holds PostgreSQL's global notify lock through every commit. Kept as a
-- reference for what that design cost; the service now runs bench/sql/append-1.sql. It was, as in
-- src/main/java/dev/streamjournal/journal/AppendService.java (append -> lockInOrder -> write) and the
-- statements of JournalRepository.java (LOCK_STREAM, INSERT_EVENTS, UPDATE_AFTER_APPEND, NOTIFY).
-- A content event without seq takes no session lock and reads no stored events (no retried seqs).
-- Each client appends to its own stream pgb-<client_id> (bench/sql/setup.sql).
BEGIN;
-- lockStream
select stream_id, session_id, last_seq, terminal_state, closed
  from streams
 where stream_id = 'pgb-' || :client_id and tenant = 'default'
   for update \gset
\set next_seq :last_seq + 1
-- insertEvents (one event: the arrays hold one element)
insert into journal_events (stream_id, seq, session_id, tenant, type, data, principal)
select :stream_id, e.seq, :session_id, s.tenant, e.type, e.data::jsonb, 'anonymous'
  from unnest(array[:next_seq]::integer[], array['token']::text[], array['{"text":"lorem ipsum "}']::text[])
       with ordinality as e(seq, type, data, n)
 cross join (select tenant from streams where stream_id = :stream_id) s
 order by e.n;
-- updateAfterAppend (not terminal, not closing)
update streams
   set last_seq = :next_seq,
       last_event = 'token',
       last_event_at = now(),
       lease_expires_at = now() + make_interval(secs => lease_seconds),
       terminal_state = coalesce(terminal_state, null::text),
       terminal_seq = coalesce(terminal_seq, null::integer),
       terminal_at = case when terminal_state is null and null::text is not null
                          then now() else terminal_at end,
       closed = closed or false,
       closed_at = case when not closed and false then now() else closed_at end
 where stream_id = :stream_id;
-- notify (ids only)
select pg_notify('journal', '{"sessionId":"' || :session_id || '","streamId":"' || :stream_id
       || '","firstSeq":' || :next_seq || ',"lastSeq":' || :next_seq || '}');
COMMIT;
