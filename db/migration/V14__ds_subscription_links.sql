-- A subscription's links go with it, and each cursor names its path's incarnation. The delete of a
-- subscription cascades to its links, so that a link inserted while the subscription is being deleted (a
-- path created at that moment) cannot fail the delete.
do $$
begin
    if exists (select 1 from pg_extension where extname = 'citus') then
        perform set_config('citus.multi_shard_modify_mode', 'sequential', true);
    end if;
end $$;

alter table ds_subscription_links drop constraint ds_subscription_links_subscription_fkey;
alter table ds_subscription_links add constraint ds_subscription_links_subscription_fkey
    foreign key (sub_key) references ds_subscriptions (sub_key) on delete cascade;

-- A cursor belongs to one incarnation of its path (the journal stream it was taken on): a path deleted or
-- expired and then created again starts before its first message, whatever the old cursor said. Null while
-- no incarnation was seen (a path linked before it existed: its cursor, before the first message, fits any).
alter table ds_subscription_links add column stream_id text;
