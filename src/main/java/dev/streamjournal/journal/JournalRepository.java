package dev.streamjournal.journal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamjournal.session.TranscriptAssembler.ContentEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The journal's SQL: one method per statement, each run on the caller's connection or transaction. */
@ApplicationScoped
public class JournalRepository {

    static final String LOCK_STREAM = """
            select stream_id, session_id, last_seq, terminal_state, closed
              from streams
             where stream_id = $1 and tenant = $2
               for update
            """;

    static final String LOCK_SESSION_OF_STREAM = """
            select se.session_id
              from sessions se
              join streams s on s.session_id = se.session_id
             where s.stream_id = $1 and s.tenant = $2
               for update of se
            """;

    static final String STORED_EVENTS = """
            select seq, type, data::text as data
              from journal_events
             where stream_id = $1 and seq = any($2)
            """;

    private static final String INSERT_EVENTS = """
            insert into journal_events (stream_id, seq, session_id, tenant, type, data, principal)
            select $1, e.seq, $2, s.tenant, e.type, e.data::jsonb, $3
              from unnest($4::integer[], $5::text[], $6::text[]) with ordinality as e(seq, type, data, n)
             cross join (select tenant from streams where stream_id = $1) s
             order by e.n
            """;

    static final String UPDATE_AFTER_APPEND = """
            update streams
               set last_seq = $2,
                   last_event = $3,
                   last_event_at = now(),
                   lease_expires_at = now() + make_interval(secs => lease_seconds),
                   terminal_state = coalesce(terminal_state, $4),
                   terminal_seq = coalesce(terminal_seq, $5),
                   terminal_at = case when terminal_state is null and $4::text is not null
                                      then now() else terminal_at end,
                   closed = closed or $6,
                   closed_at = case when not closed and $6 then now() else closed_at end
             where stream_id = $1
            """;

    static final String CONTENT_EVENTS = """
            select type, data::text as data
              from journal_events
             where stream_id = $1 and type in ('token', 'reasoning', 'tool', 'tool_complete')
             order by seq
            """;

    static final String HEARTBEAT = """
            update streams
               set lease_expires_at = case when terminal_state is null
                                           then now() + make_interval(secs => lease_seconds)
                                           else lease_expires_at end
             where stream_id = $1 and tenant = $2
            returning terminal_state
            """;

    static final String STREAM_EXISTS = """
            select terminal_state from streams where stream_id = $1 and tenant = $2
            """;

    static final String PAGE = """
            select seq, position, type, data::text as data, at
              from journal_events
             where stream_id = $1 and seq > $2
             order by seq
             limit $3
            """;

    static final String STREAMS_OF_SESSION = """
            select stream_id
              from streams
             where session_id = $1 and tenant = $2
             order by created_at, stream_id
            """;

    private final ObjectMapper json;

    public JournalRepository(ObjectMapper json) {
        this.json = json;
    }

    /** Locks the stream row for the rest of the transaction; null when the caller's tenant has no such stream. */
    public Uni<StreamState> lockStream(SqlConnection connection, String streamId, String tenant) {
        return connection.preparedQuery(LOCK_STREAM).execute(Tuple.of(streamId, tenant))
                .map(rows -> rows.size() == 0 ? null : streamState(rows.iterator().next()));
    }

    /** Locks the session that owns the stream, so that transcript writers queue session-first. */
    public Uni<Void> lockSessionOfStream(SqlConnection connection, String streamId, String tenant) {
        return connection.preparedQuery(LOCK_SESSION_OF_STREAM).execute(Tuple.of(streamId, tenant)).replaceWithVoid();
    }

    public Uni<Map<Integer, StoredEvent>> storedEvents(SqlConnection connection, String streamId, List<Integer> seqs) {
        if (seqs.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        return connection.preparedQuery(STORED_EVENTS)
                .execute(Tuple.of(streamId, seqs.toArray(Integer[]::new)))
                .map(rows -> {
                    Map<Integer, StoredEvent> stored = new HashMap<>();
                    for (Row row : rows) {
                        int seq = row.getInteger("seq");
                        stored.put(seq, new StoredEvent(seq, row.getString("type"), parse(row.getString("data"))));
                    }
                    return stored;
                });
    }

    /** Writes the new events of a batch in one statement. */
    public Uni<Void> insertEvents(SqlConnection connection, StreamState stream, List<AppendPlan.NewEvent> events,
            String principal) {
        Integer[] seqs = new Integer[events.size()];
        String[] types = new String[events.size()];
        String[] data = new String[events.size()];
        for (int i = 0; i < events.size(); i++) {
            seqs[i] = events.get(i).seq();
            types[i] = events.get(i).type();
            data[i] = events.get(i).data().toString();
        }
        return connection.preparedQuery(INSERT_EVENTS)
                .execute(Tuple.of(stream.streamId(), stream.sessionId(), principal, seqs, types, data))
                .replaceWithVoid();
    }

    /** Moves the stream row past the batch: last event, lease, terminal state and closing. */
    public Uni<Void> updateAfterAppend(SqlConnection connection, String streamId, AppendPlan.NewEvent last,
            TerminalState terminalState, Integer terminalSeq, boolean closes) {
        Tuple args = Tuple.tuple()
                .addString(streamId)
                .addInteger(last.seq())
                .addString(last.type())
                .addString(terminalState == null ? null : terminalState.word())
                .addInteger(terminalSeq)
                .addBoolean(closes);
        return connection.preparedQuery(UPDATE_AFTER_APPEND).execute(args).replaceWithVoid();
    }

    /** The stream's content events in seq order, for assembling its transcript message. */
    public Uni<List<ContentEvent>> contentEvents(SqlConnection connection, String streamId) {
        return connection.preparedQuery(CONTENT_EVENTS).execute(Tuple.of(streamId))
                .map(rows -> {
                    List<ContentEvent> events = new ArrayList<>(rows.size());
                    for (Row row : rows) {
                        events.add(new ContentEvent(row.getString("type"), parse(row.getString("data"))));
                    }
                    return events;
                });
    }

    /**
     * Extends the lease of a live stream. Returns the terminal state like {@link #terminalStateOf}: empty
     * when the stream was live (and its lease is extended), null when the tenant has no such stream.
     */
    public Uni<String> heartbeat(SqlClient client, String streamId, String tenant) {
        return client.preparedQuery(HEARTBEAT).execute(Tuple.of(streamId, tenant)).map(JournalRepository::terminalState);
    }

    /** The terminal state of a stream of the tenant: empty string while live, null when there is no such stream. */
    public Uni<String> terminalStateOf(SqlClient client, String streamId, String tenant) {
        return client.preparedQuery(STREAM_EXISTS).execute(Tuple.of(streamId, tenant)).map(JournalRepository::terminalState);
    }

    private static String terminalState(RowSet<Row> rows) {
        if (rows.size() == 0) {
            return null;
        }
        String state = rows.iterator().next().getString("terminal_state");
        return state == null ? "" : state;
    }

    /** The stream ids of a session in creation order. */
    public Uni<List<String>> streamIdsOfSession(SqlClient client, String sessionId, String tenant) {
        return client.preparedQuery(STREAMS_OF_SESSION).execute(Tuple.of(sessionId, tenant)).map(rows -> {
            List<String> streams = new ArrayList<>(rows.size());
            for (Row row : rows) {
                streams.add(row.getString("stream_id"));
            }
            return streams;
        });
    }

    /** Up to {@code limit} events after {@code afterSeq}, in seq order. */
    public Uni<List<JournalEvent>> page(SqlClient client, String streamId, int afterSeq, int limit) {
        return client.preparedQuery(PAGE).execute(Tuple.of(streamId, afterSeq, limit))
                .map(rows -> events(streamId, rows));
    }

    private static List<JournalEvent> events(String streamId, RowSet<Row> rows) {
        List<JournalEvent> events = new ArrayList<>(rows.size());
        for (Row row : rows) {
            events.add(new JournalEvent(streamId, row.getInteger("seq"), row.getLong("position"),
                    row.getString("type"), row.getString("data"), row.getOffsetDateTime("at")));
        }
        return events;
    }

    private static StreamState streamState(Row row) {
        return new StreamState(row.getString("stream_id"), row.getString("session_id"), row.getInteger("last_seq"),
                TerminalState.fromWord(row.getString("terminal_state")), row.getBoolean("closed"));
    }

    private JsonNode parse(String text) {
        try {
            return json.readTree(text);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
