-- pgbench: the SQL the service runs for an append of one content event without seq: one statement,
-- no explicit transaction (JournalRepository.APPEND_CONTINUING, as AppendService runs it for a batch
-- without terminal or closing events). The doorbell NOTIFY is not part of it: it is sent after the
-- commit, at most one in flight per replica, covering all appends committed meanwhile.
-- Each client appends to its own stream pgb-<client_id> (bench/sql/setup.sql).
-- Keep this file in step with the service's SQL when that changes.
with s as (
    select stream_id, session_id, tenant, last_seq, terminal_state, closed
      from streams
     where stream_id = 'pgb-' || :client_id and tenant = 'default'
       for update
), ok as (
    select s.* from s
     where not s.closed
       and (s.terminal_state is null or not true)
       and not exists (select 1 from unnest(array[null]::integer[]) with ordinality as w(seq, n)
                        where w.seq is not null and w.seq <> s.last_seq + w.n)
), inserted as (
    insert into journal_events (stream_id, seq, session_id, tenant, type, data, principal)
    select ok.stream_id, ok.last_seq + e.n, ok.session_id, ok.tenant, e.type, e.data::jsonb, 'anonymous'
      from ok, unnest(array['token']::text[], array['{"text":"lorem ipsum "}']::text[]) with ordinality as e(type, data, n)
     order by e.n
), moved as (
    update streams st
       set last_seq = ok.last_seq + 1,
           last_event = 'token',
           last_event_at = now(),
           lease_expires_at = now() + make_interval(secs => st.lease_seconds)
      from ok
     where st.stream_id = ok.stream_id
 returning st.last_seq
)
select s.session_id, s.terminal_state, (select last_seq from moved) as new_last_seq
  from s;
