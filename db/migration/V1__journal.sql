-- stream-journal schema: sessions own streams, streams own a gapless journal, terminal events
-- write the transcript. Every table carries session_id so the journal can be distributed by it.

create table sessions (
    session_id       text        primary key,
    tenant           text        not null,
    active_stream_id text,
    revision         bigint      not null default 0,
    created_at       timestamptz not null default now(),
    updated_at       timestamptz not null default now()
);

create table streams (
    stream_id        text        primary key,
    session_id       text        not null references sessions (session_id),
    tenant           text        not null,
    create_request   jsonb       not null,
    created_by       text        not null,
    created_at       timestamptz not null default now(),
    last_seq         integer     not null default 0,
    last_event       text,
    last_event_at    timestamptz,
    terminal_state   text        check (terminal_state in
                                   ('completed', 'cancelled', 'errored', 'interrupted', 'superseded')),
    terminal_seq     integer,
    terminal_at      timestamptz,
    closed           boolean     not null default false,
    closed_at        timestamptz,
    superseded_by    text,
    payloads_pruned_at timestamptz,
    lease_seconds    integer     not null check (lease_seconds > 0),
    lease_expires_at timestamptz not null
);

-- the session view lists its streams in creation order
create index streams_by_session on streams (session_id, created_at, stream_id);
-- retention looks at closed streams by age
create index streams_closed_at on streams (closed_at) where closed;
-- the reaper only looks at live streams whose lease runs out first
create index streams_live_leases on streams (lease_expires_at) where terminal_state is null;

-- inserted_at (clock time of the insert, evaluated after position): a transaction that could still
-- commit a smaller position started before it, so a global reader takes a row only once every
-- transaction that started before inserted_at has ended.
create table journal_events (
    stream_id     text        not null references streams (stream_id),
    seq           integer     not null check (seq > 0),
    session_id    text        not null,
    tenant        text        not null,
    position      bigint      generated always as identity,
    type          text        not null,
    data          jsonb       not null,
    principal     text        not null,
    at            timestamptz not null default now(),
    inserted_at   timestamptz not null default clock_timestamp(),
    primary key (stream_id, seq)
);

create unique index journal_events_position on journal_events (position);
create index journal_events_by_session on journal_events (session_id, position);
create index journal_events_by_tenant on journal_events (tenant, position);

create table transcript_messages (
    session_id text        not null references sessions (session_id),
    idx        bigint      not null,
    stream_id  text        not null,
    role       text        not null check (role in ('user', 'assistant')),
    message    jsonb       not null,
    at         timestamptz not null default now(),
    primary key (session_id, idx),
    unique (stream_id, role)
);

-- settlement: each change of a stream's settlement outcome (state = the outcome word)
create table lifecycle_log (
    id            bigint      generated always as identity primary key,
    session_id    text        not null,
    stream_id     text        not null,
    tenant        text        not null,
    kind          text        not null check (kind in
                                ('created', 'superseded', 'terminal', 'closed', 'lease_expired',
                                 'settlement', 'pruned')),
    state         text,
    detail        jsonb,
    principal     text        not null,
    at            timestamptz not null default now(),
    inserted_at   timestamptz not null default clock_timestamp()
);

create index lifecycle_by_stream on lifecycle_log (stream_id, id);
create index lifecycle_by_session on lifecycle_log (session_id, id);
create index lifecycle_by_tenant on lifecycle_log (tenant, id);
