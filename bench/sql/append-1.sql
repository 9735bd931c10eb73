-- pgbench: the SQL the service runs for an append of one content event without seq, when no other
-- batch waits to share the statement: JournalRepository.APPEND_CONTINUING with one batch, one statement,
-- no explicit transaction (AppendService runs it for every batch without terminal or closing events;
-- batches of other streams that arrive while one runs share the next). The doorbell NOTIFY is not part
-- of it: it is sent after the commit, at most one per 5 ms per replica, covering all appends meanwhile.
-- Each client appends to its own stream pgb-<client_id> (bench/sql/setup.sql).
-- Generated from the service's SQL: keep this file in step with it when that changes.
with batch as (
    select * from unnest(array['pgb-' || :client_id]::text[], array['default']::text[], array['anonymous']::text[], array[true]::boolean[], array[1]::integer[], array['token']::text[], array['pgb-session-' || :client_id]::text[])
           with ordinality as b(stream_id, tenant, principal, content, events, last_type, session_id, b)
), event as (
    select * from unnest(array[1]::integer[], array[1]::integer[], array[null]::integer[], array['token']::text[], array['{"text":"lorem ipsum "}']::text[])
           as e(b, n, seq, type, data)
), locked as (
    select stream_id, session_id, tenant, last_seq, terminal_state, closed, stop_requested_at
      from streams
     where session_id = any(array['pgb-session-' || :client_id]::text[])
       and (session_id, stream_id, tenant) in (select session_id, stream_id, tenant from batch)
     order by stream_id
       for update skip locked
), ok as (
    select batch.b, batch.principal, batch.events, batch.last_type, locked.*
      from batch
      join locked on locked.session_id = batch.session_id and locked.stream_id = batch.stream_id
                 and locked.tenant = batch.tenant
     where not locked.closed
       and (locked.terminal_state is null or not batch.content)
       and not exists (select 1 from event
                        where event.b = batch.b and event.seq is not null
                          and event.seq <> locked.last_seq + event.n)
), inserted as (
    insert into journal_events (stream_id, seq, session_id, tenant, type, data, data_bytes, principal)
    select ok.stream_id, ok.last_seq + event.n, ok.session_id, ok.tenant, event.type, event.data::jsonb,
           octet_length(event.data), ok.principal
      from ok
      join event on event.b = ok.b
     order by ok.b, event.n
 returning stream_id, seq, position, type, data::text as data, at
), moved as (
    update streams st
       set last_seq = ok.last_seq + ok.events,
           last_event = ok.last_type,
           last_event_at = now(),
           lease_expires_at = to_timestamp(floor(extract(epoch from now())) + st.lease_seconds + 1)
      from ok
     where st.session_id = ok.session_id and st.stream_id = ok.stream_id
 returning st.stream_id, st.last_seq
)
select ok.b::integer as b, ok.session_id, ok.terminal_state, moved.last_seq as new_last_seq,
       ok.stop_requested_at is not null as stop_requested, inserted.seq, inserted.position, inserted.type, inserted.data, inserted.at
  from ok
  join moved on moved.stream_id = ok.stream_id
  join inserted on inserted.stream_id = ok.stream_id
 order by ok.b, inserted.seq;
