-- Durable Streams sources deleted while forks held them, by how many forks still hold them: retention
-- deletes those held by none (a small partial index: only soft-deleted streams are in it).
create index if not exists ds_streams_deleted_by_forks on ds_streams (forks) where deleted_at is not null;
