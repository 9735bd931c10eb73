-- Every key of a table that belongs to a session includes session_id, so that the journal can be
-- sharded by session (Citus requires every primary key, unique constraint and foreign key of a
-- distributed table to include its distribution column). The paths that name only a stream find its
-- session in stream_sessions (V7) first.
--
-- position stays unique without its own index: it is drawn from one identity sequence, which nothing
-- else writes (on Citus the coordinator draws it for every insert). No query looks a row up by position
-- alone: readers walk (tenant, position) and (session_id, position).
alter table journal_events drop constraint journal_events_stream_id_fkey;
alter table journal_events drop constraint journal_events_pkey;
alter table streams drop constraint streams_pkey;
alter table streams add constraint streams_pkey primary key (session_id, stream_id);
alter table journal_events add constraint journal_events_pkey primary key (session_id, stream_id, seq);
alter table journal_events add constraint journal_events_stream_fkey
    foreign key (session_id, stream_id) references streams (session_id, stream_id);
drop index journal_events_position;

alter table transcript_messages drop constraint transcript_messages_stream_id_role_key;
alter table transcript_messages add constraint transcript_messages_stream_role_key unique (session_id, stream_id, role);

alter table lifecycle_log drop constraint lifecycle_log_pkey;
alter table lifecycle_log add constraint lifecycle_log_pkey primary key (session_id, id);
drop index lifecycle_by_stream;
create index lifecycle_by_stream on lifecycle_log (session_id, stream_id, id);
