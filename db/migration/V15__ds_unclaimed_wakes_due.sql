-- Pull-wake wakes issued before claims had a deadline carry none (lease_expires_at null while unclaimed):
-- they are given the default claim timeout from now, so that the sweep announces them again if nobody
-- claims them, as it does for every wake issued since.
do $$
begin
    if exists (select 1 from pg_extension where extname = 'citus') then
        perform set_config('citus.multi_shard_modify_mode', 'sequential', true);
    end if;
end $$;

update ds_subscriptions
   set lease_expires_at = now() + interval '60 seconds'
 where type = 'pull-wake' and wake_id is not null and holder is null and lease_expires_at is null;
