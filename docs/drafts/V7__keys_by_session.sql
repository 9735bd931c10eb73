-- streams are found by session: every key includes session_id
create table stream_sessions (
    stream_id  text primary key,
    session_id text not null,
    tenant     text not null
);
insert into stream_sessions (stream_id, session_id, tenant) select stream_id, session_id, tenant from streams;

alter table journal_events drop constraint journal_events_stream_id_fkey;
alter table journal_events drop constraint journal_events_pkey;
alter table streams drop constraint streams_pkey;
alter table streams add primary key (session_id, stream_id);
alter table journal_events add primary key (session_id, stream_id, seq);
alter table journal_events add foreign key (session_id, stream_id) references streams (session_id, stream_id);
drop index journal_events_position;
alter table transcript_messages drop constraint transcript_messages_stream_id_role_key;
alter table transcript_messages add unique (session_id, stream_id, role);
alter table lifecycle_log drop constraint lifecycle_log_pkey;
alter table lifecycle_log add primary key (session_id, id);
