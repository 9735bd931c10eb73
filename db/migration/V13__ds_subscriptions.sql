-- Durable Streams subscriptions (/ds/v1/stream/__ds/subscriptions/{id}): durable cursors over DS paths that
-- wake a worker, by webhook or by a wake event on a DS stream, when a linked path has messages past the
-- cursor. A subscription is one row, keyed by the hash of tenant and id ("dss~" and sha256), with its wake
-- state (generation, wake, holder, lease, retry) so that every replica fences and expires it alike.
do $$
begin
    if exists (select 1 from pg_extension where extname = 'citus') then
        perform set_config('citus.multi_shard_modify_mode', 'sequential', true);
    end if;
end $$;

create table ds_subscriptions (
    sub_key          text        not null primary key,
    tenant           text        not null,
    subscription_id  text        not null,
    type             text        not null check (type in ('webhook', 'pull-wake')),
    pattern          text,
    webhook_url      text,
    wake_stream      text,
    lease_ttl_ms     integer     not null,
    description      text,
    -- sha256 of the normalized configuration: a PUT of the same one re-confirms, another is 409
    config_hash      text        not null,
    -- where the service is reached (scheme, host, /ds), for the callback and JWKS URLs of deliveries
    base_url         text        not null,
    created_at       timestamptz not null default now(),
    -- the current wake: generation counts every wake; wake_id, snapshot (path -> tail offset) and the
    -- lease hold while it is in flight, holder once a pull-wake worker claimed it
    generation       bigint      not null default 0,
    wake_id          text,
    snapshot         jsonb,
    holder           text,
    lease_expires_at timestamptz,
    -- a webhook delivery that failed is retried at next_attempt_at (the subscription is 'failed' meanwhile)
    retry_count      integer     not null default 0,
    next_attempt_at  timestamptz,
    -- the reconciliation pass: when it last looked for this subscription's pending work and new paths
    checked_at       timestamptz not null default now()
);
create index ds_subscriptions_tenant on ds_subscriptions (tenant);
create index ds_subscriptions_lease on ds_subscriptions (lease_expires_at);
create index ds_subscriptions_retry on ds_subscriptions (next_attempt_at);
create index ds_subscriptions_checked on ds_subscriptions (checked_at);

-- One cursor per linked path: explicit (streams[]) and/or glob (pattern), and the last processed offset,
-- inclusive ('-1': before the first message).
create table ds_subscription_links (
    sub_key      text    not null,
    tenant       text    not null,
    path         text    not null,
    explicit     boolean not null default false,
    glob         boolean not null default false,
    acked_offset text    not null,
    primary key (sub_key, path)
);
create index ds_subscription_links_path on ds_subscription_links (tenant, path);

-- The webhook signing key (Ed25519: PKCS#8 and X.509 encodings): the first replica that needs it generates
-- it into slot 1, and every replica signs with that one, so that the JWKS is the same everywhere and
-- outlives restarts. The callback tokens' HMAC key is derived from it.
create table ds_signing_keys (
    slot        integer     not null primary key,
    kid         text        not null,
    private_key bytea       not null,
    public_key  bytea       not null,
    created_at  timestamptz not null default now()
);

-- the paths of a tenant's DS streams, for the backfill of a pattern and new paths since a time
create index ds_streams_tenant_path on ds_streams (tenant, path);
create index ds_streams_tenant_created on ds_streams (tenant, created_at);

-- journal_distribute() gains the subscription tables: a subscription and its links share a shard (by
-- sub_key); the signing key by its slot
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
    if not exists (select 1 from pg_dist_partition where logicalrelid = 'ds_subscriptions'::regclass) then
        perform create_distributed_table('ds_subscriptions', 'sub_key', colocate_with => 'sessions');
    end if;
    if not exists (select 1 from pg_dist_partition where logicalrelid = 'ds_subscription_links'::regclass) then
        perform create_distributed_table('ds_subscription_links', 'sub_key', colocate_with => 'ds_subscriptions');
    end if;
    if not exists (select 1 from pg_dist_partition where logicalrelid = 'ds_signing_keys'::regclass) then
        perform create_distributed_table('ds_signing_keys', 'slot', colocate_with => 'none');
    end if;
end $$;

do $$
begin
    if exists (select 1 from pg_extension where extname = 'citus') then
        perform journal_distribute();
    end if;
end $$;

alter table ds_subscription_links add constraint ds_subscription_links_subscription_fkey
    foreign key (sub_key) references ds_subscriptions (sub_key);
