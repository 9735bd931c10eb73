package dev.streamjournal.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamjournal.support.Db;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The rules that let Citus shard the journal, checked on the schema the migrations build on plain
 * PostgreSQL (so that a change that would stop distributing fails here first; {@code CitusIT} then
 * distributes it for real): every table has its distribution column, and every primary key, unique
 * constraint or index and foreign key includes it (a foreign key joins on it, to a co-located table).
 */
@QuarkusTest
class ShardingRulesTest {

    /** Each table of the journal and the column it is distributed by. */
    static final Map<String, String> DISTRIBUTION = Map.ofEntries(Map.entry("sessions", "session_id"),
            Map.entry("streams", "session_id"), Map.entry("journal_events", "session_id"),
            Map.entry("transcript_messages", "session_id"), Map.entry("lifecycle_log", "session_id"),
            Map.entry("stream_sessions", "stream_id"), Map.entry("ds_streams", "session_id"),
            Map.entry("ds_producers", "session_id"), Map.entry("ds_subscriptions", "sub_key"),
            Map.entry("ds_subscription_links", "sub_key"), Map.entry("ds_signing_keys", "slot"));

    @Inject
    Db db;

    @Test
    void everyTable_isDistributedByAKnownColumn() {
        List<String> tables = strings("""
                select relname::text from pg_class
                 where relkind = 'r' and relnamespace = 'public'::regnamespace and relname <> 'flyway_schema_history'""");
        assertThat(tables).containsExactlyInAnyOrderElementsOf(DISTRIBUTION.keySet());
        assertThat(Db.TABLES).containsExactlyInAnyOrderElementsOf(DISTRIBUTION.keySet());
    }

    @Test
    void everyUniqueKey_includesTheDistributionColumn() {
        assertThat(uniqueKeysWithoutTheDistributionColumn("public")).as("unique keys without the distribution column")
                .isEmpty();
    }

    @Test
    void theUniqueKeyCheck_catchesTheFirstSchemasKey() {
        // the first schema keyed streams by stream_id alone, which Citus refused
        db.rows("create schema sharding_probe");
        try {
            db.rows("create table sharding_probe.streams (stream_id text primary key, session_id text not null)");
            assertThat(uniqueKeysWithoutTheDistributionColumn("sharding_probe")).containsExactly("streams_pkey [stream_id]");
        } finally {
            db.rows("drop schema sharding_probe cascade");
        }
    }

    private List<String> uniqueKeysWithoutTheDistributionColumn(String schema) {
        List<String> breaking = new ArrayList<>();
        for (Row key : db.rows("""
                select c.relname::text as table_name, i.relname::text as index_name,
                       array(select a.attname::text from pg_attribute a
                              where a.attrelid = x.indrelid and a.attnum = any(x.indkey)) as columns
                  from pg_index x
                  join pg_class c on c.oid = x.indrelid
                  join pg_class i on i.oid = x.indexrelid
                 where x.indisunique and c.relnamespace = $1::regnamespace
                   and c.relname <> 'flyway_schema_history'""", schema)) {
            List<String> columns = List.of(key.getArrayOfStrings("columns"));
            if (!columns.contains(DISTRIBUTION.get(key.getString("table_name")))) {
                breaking.add(key.getString("index_name") + " " + columns);
            }
        }
        return breaking;
    }

    @Test
    void everyForeignKey_joinsOnTheDistributionColumn_ofACoLocatedTable() {
        List<String> breaking = new ArrayList<>();
        List<Row> keys = db.rows("""
                select c.conname::text as name, t.relname::text as table_name, r.relname::text as referenced,
                       array(select a.attname::text from unnest(c.conkey, c.confkey) as k(own, other)
                               join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.own
                              where (select attname from pg_attribute
                                      where attrelid = c.confrelid and attnum = k.other) = a.attname) as same_columns
                  from pg_constraint c
                  join pg_class t on t.oid = c.conrelid
                  join pg_class r on r.oid = c.confrelid
                 where c.contype = 'f' and t.relnamespace = 'public'::regnamespace""");
        for (Row key : keys) {
            String column = DISTRIBUTION.get(key.getString("table_name"));
            boolean coLocated = column.equals(DISTRIBUTION.get(key.getString("referenced")));
            if (!coLocated || !List.of(key.getArrayOfStrings("same_columns")).contains(column)) {
                breaking.add(key.getString("name"));
            }
        }
        assertThat(keys).as("the schema has foreign keys to check").hasSizeGreaterThanOrEqualTo(3);
        assertThat(breaking).as("foreign keys that would cross shards").isEmpty();
    }

    private List<String> strings(String sql) {
        return db.rows(sql).stream().map(row -> row.getString(0)).toList();
    }
}
