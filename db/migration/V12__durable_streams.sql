-- Durable Streams (/ds): a DS stream path is a journal session of its own (session id "ds~" and the hash
-- of tenant and path), and each incarnation of the path (create, delete, create again) is a journal
-- stream of that session (stream id "ds~" and a random id, so that an id is never reused). A DS message
-- is a journal event of type 'ds' whose bytes are in body (data holds only their size): DS bodies are
-- bytes, which jsonb could not hold as they are.
-- On Citus this transaction changes distributed tables and then distributes new ones, which it allows
-- only over one connection per node: sequential mode, for this transaction alone.
do $$
begin
    if exists (select 1 from pg_extension where extname = 'citus') then
        perform set_config('citus.multi_shard_modify_mode', 'sequential', true);
    end if;
end $$;

alter table journal_events add column if not exists body bytea;

-- The DS side of a journal stream: its protocol configuration and writer state. The closed state is the
-- journal's (streams.closed); expiry and soft deletion are DS notions and live here.
create table ds_streams (
    session_id         text        not null,
    stream_id          text        not null,
    tenant             text        not null,
    path               text        not null,
    content_type       text        not null,
    -- Stream-TTL (sliding: every read or write moves expires_at to now() + ttl) or Stream-Expires-At
    ttl_seconds        bigint,
    expires_at         timestamptz,
    fixed_expiry       boolean     not null default false,
    -- the last Stream-Seq (scoped per stream), compared byte-wise
    writer_seq         text,
    -- the producer tuple of the append that closed the stream, so that its retry is a duplicate
    closed_by_producer text,
    closed_by_epoch    bigint,
    closed_by_seq      bigint,
    -- a fork: the source path and the source's offset (seq) it copied up to; the source counts its forks
    forked_from        text,
    fork_seq           integer,
    fork_sub_offset    bigint      not null default 0,
    source_session_id  text,
    source_stream_id   text,
    forks              integer     not null default 0,
    deleted_at         timestamptz,
    created_at         timestamptz not null default now(),
    primary key (session_id, stream_id)
);

-- Idempotent producers: the epoch and the last accepted seq of each producer of a stream, written in the
-- transaction of the append they accept.
create table ds_producers (
    session_id  text        not null,
    stream_id   text        not null,
    producer_id text        not null,
    epoch       bigint      not null,
    last_seq    bigint      not null,
    updated_at  timestamptz not null default now(),
    primary key (session_id, stream_id, producer_id)
);

-- journal_distribute() gains the DS tables, co-located with their sessions
create or replace function journal_distribute() returns void language plpgsql as $$
declare
    session_table text;
begin
    if not exists (select 1 from pg_extension where extname = 'citus') then
        raise exception 'journal_distribute() needs the citus extension in this database';
    end if;
    foreach session_table in array array['sessions', 'streams', 'journal_events', 'transcript_messages', 'lifecycle_log',
                                          'ds_streams', 'ds_producers'] loop
        if not exists (select 1 from pg_dist_partition where logicalrelid = session_table::regclass) then
            if session_table = 'sessions' then
                perform create_distributed_table('sessions', 'session_id');
            else
                perform create_distributed_table(session_table, 'session_id', colocate_with => 'sessions');
            end if;
        end if;
    end loop;
    if not exists (select 1 from pg_dist_partition where logicalrelid = 'stream_sessions'::regclass) then
        perform create_distributed_table('stream_sessions', 'stream_id', colocate_with => 'none');
    end if;
end $$;

do $$
begin
    if exists (select 1 from pg_extension where extname = 'citus') then
        perform journal_distribute();
    end if;
end $$;

-- the foreign keys come once the tables are distributed (on Citus a table that is not distributed yet
-- cannot refer to one that is)
alter table ds_streams add constraint ds_streams_stream_fkey
    foreign key (session_id, stream_id) references streams (session_id, stream_id);
alter table ds_producers add constraint ds_producers_stream_fkey
    foreign key (session_id, stream_id) references streams (session_id, stream_id);
