-- The reaper closes streams that stay terminal without stream_end (journal.close-after); it looks at
-- the terminal, unclosed streams by terminal time.
create index if not exists streams_lingering on streams (terminal_at) where terminal_state is not null and not closed;
