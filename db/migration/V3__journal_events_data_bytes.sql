-- The size of each event's data as text, stored with the event, so that a reader can cut a page at a
-- byte bound without turning every row it passes into text first (the stored jsonb size says little:
-- large values are compressed). Rows written before this column have it null; readers fall back to
-- measuring them.
alter table journal_events add column data_bytes integer;
