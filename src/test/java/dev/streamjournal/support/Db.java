package dev.streamjournal.support;

import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Direct SQL for tests: row counts and checks of what the service wrote. */
@ApplicationScoped
public class Db {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** Every table of the journal. */
    public static final List<String> TABLES = List.of("sessions", "streams", "journal_events",
            "transcript_messages", "lifecycle_log", "stream_sessions", "ds_streams", "ds_producers",
            "ds_subscriptions", "ds_subscription_links", "ds_signing_keys");

    private final Pool pool;

    public Db(Pool pool) {
        this.pool = pool;
    }

    /** The row count of every table, to prove a rejected request wrote nothing. */
    public Map<String, Long> rowCounts() {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String table : TABLES) {
            counts.put(table, scalarLong("select count(*) from " + table));
        }
        return counts;
    }

    /** The row count of every table over a JDBC connection, for the drills that run the packaged service. */
    public static Map<String, Long> rowCounts(Connection connection) throws SQLException {
        Map<String, Long> counts = new LinkedHashMap<>();
        try (Statement statement = connection.createStatement()) {
            for (String table : TABLES) {
                try (ResultSet rows = statement.executeQuery("select count(*) from " + table)) {
                    rows.next();
                    counts.put(table, rows.getLong(1));
                }
            }
        }
        return counts;
    }

    /** A stream's journal seqs in order, over a JDBC connection, for the drills that count what survived. */
    public static List<Integer> seqs(Connection connection, String stream) throws SQLException {
        try (PreparedStatement query = connection.prepareStatement(
                "select seq from journal_events where stream_id = ? order by seq")) {
            query.setString(1, stream);
            List<Integer> seqs = new ArrayList<>();
            try (ResultSet result = query.executeQuery()) {
                while (result.next()) {
                    seqs.add(result.getInt(1));
                }
            }
            return seqs;
        }
    }

    public long scalarLong(String sql, Object... args) {
        Row row = rows(sql, args).get(0);
        return row.getLong(0);
    }

    public List<Row> rows(String sql, Object... args) {
        List<Row> rows = new ArrayList<>();
        pool.preparedQuery(sql).execute(Tuple.from(args)).await().atMost(TIMEOUT).forEach(rows::add);
        return rows;
    }

    public Pool pool() {
        return pool;
    }

    /** What another replica's append of one token commits (tenant default), without any doorbell. */
    public void appendAsAnotherReplica(String session, String stream, int seq, String text) {
        pool.withTransaction(connection -> connection.preparedQuery("""
                        insert into journal_events (stream_id, seq, session_id, tenant, type, data, principal)
                        values ($1, $2, $3, 'default', 'token', jsonb_build_object('text', $4::text), 'replica-b')""")
                        .execute(Tuple.of(stream, seq, session, text))
                        .chain(() -> connection.preparedQuery("update streams set last_seq = $2 where stream_id = $1")
                                .execute(Tuple.of(stream, seq))))
                .await().atMost(TIMEOUT);
    }

    /** Another replica's doorbell for a change of a stream (content, not settling). */
    public void ringAsAnotherReplica(String session, String stream, int lastSeq) {
        scalarLong("select count(pg_notify('journal', $1))", "{\"replica\":\"replica-b\",\"changes\":[[\"" + session
                + "\",\"" + stream + "\"," + lastSeq + ",0]]}");
    }
}
