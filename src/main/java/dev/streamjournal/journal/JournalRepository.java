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

    /**
     * The whole append of a batch without terminal or closing events, in one statement (so one round
     * trip, no explicit transaction): lock the stream, check that the batch simply continues it (not
     * closed; no content after a terminal event; every explicit seq is the next one), write the events
     * and move the stream row. It returns the events as stored (one row each), so that this replica's
     * live feeds need not read them back. When a check fails nothing is written ({@code new_last_seq}
     * is null) and the caller takes the general path, which decides duplicates and problems.
     * $1 stream, $2 tenant, $3 explicit seqs (null where omitted), $4 types, $5 data, $6 principal,
     * $7 true when the batch holds content events.
     */
    static final String APPEND_CONTINUING = """
            with s as (
                select stream_id, session_id, tenant, last_seq, terminal_state, closed
                  from streams
                 where stream_id = $1 and tenant = $2
                   for update
            ), ok as (
                select s.* from s
                 where not s.closed
                   and (s.terminal_state is null or not $7)
                   and not exists (select 1 from unnest($3::integer[]) with ordinality as w(seq, n)
                                    where w.seq is not null and w.seq <> s.last_seq + w.n)
            ), inserted as (
                insert into journal_events (stream_id, seq, session_id, tenant, type, data, principal)
                select ok.stream_id, ok.last_seq + e.n, ok.session_id, ok.tenant, e.type, e.data::jsonb, $6
                  from ok, unnest($4::text[], $5::text[]) with ordinality as e(type, data, n)
                 order by e.n
             returning seq, position, type, data::text as data, at
            ), moved as (
                update streams st
                   set last_seq = ok.last_seq + cardinality($4::text[]),
                       last_event = ($4::text[])[cardinality($4::text[])],
                       last_event_at = now(),
                       lease_expires_at = now() + make_interval(secs => st.lease_seconds)
                  from ok
                 where st.stream_id = ok.stream_id
             returning st.last_seq
            )
            select s.session_id, s.terminal_state, (select last_seq from moved) as new_last_seq,
                   i.seq, i.position, i.type, i.data, i.at
              from s left join inserted i on true
             order by i.seq
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

    static final String PAGE = """
            select seq, position, type, data::text as data, at
              from journal_events
             where stream_id = $1 and seq > $2 and tenant = $4
             order by seq
             limit $3
            """;

    /** A page of the tenant's stream in one statement: no row when there is no such stream, one empty row at the end. */
    static final String TENANT_PAGE = """
            select e.seq, e.position, e.type, e.data::text as data, e.at
              from streams s
              left join lateral (
                    select seq, position, type, data, at
                      from journal_events
                     where stream_id = s.stream_id and seq > $3
                     order by seq
                     limit $4) e on true
             where s.stream_id = $1 and s.tenant = $2
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

    /** What {@link #APPEND_CONTINUING} did: {@code lastSeq} is null when it wrote nothing; the events as stored. */
    public record Continued(String sessionId, TerminalState terminalState, Integer lastSeq, List<JournalEvent> events) {
    }

    /**
     * Appends a batch of content and trailer events that continues the stream, in one statement; null
     * when the tenant has no such stream.
     */
    public Uni<Continued> appendContinuing(SqlClient client, String streamId, String tenant, List<EventInput> batch,
            String principal) {
        Integer[] seqs = new Integer[batch.size()];
        String[] types = new String[batch.size()];
        String[] data = new String[batch.size()];
        boolean content = false;
        for (int i = 0; i < batch.size(); i++) {
            EventInput event = batch.get(i);
            seqs[i] = event.seq() == null ? null : Math.toIntExact(Math.min(event.seq(), Integer.MAX_VALUE));
            types[i] = event.type();
            data[i] = AppendPlan.dataOf(event).toString();
            content |= EventClass.of(event.type()).orElseThrow() == EventClass.CONTENT;
        }
        Tuple args = Tuple.tuple().addString(streamId).addString(tenant).addArrayOfInteger(seqs)
                .addArrayOfString(types).addArrayOfString(data).addString(principal).addBoolean(content);
        return client.preparedQuery(APPEND_CONTINUING).execute(args).map(rows -> {
            if (rows.size() == 0) {
                return null;
            }
            Row first = rows.iterator().next();
            List<JournalEvent> events = new ArrayList<>(rows.size());
            for (Row row : rows) {
                if (row.getInteger("seq") != null) {
                    events.add(event(streamId, row));
                }
            }
            return new Continued(first.getString("session_id"), TerminalState.fromWord(first.getString("terminal_state")),
                    first.getInteger("new_last_seq"), events);
        });
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
     * Extends the lease of a live stream. Returns the terminal state: empty when the stream was live (and
     * its lease is extended), null when the tenant has no such stream.
     */
    public Uni<String> heartbeat(SqlClient client, String streamId, String tenant) {
        return client.preparedQuery(HEARTBEAT).execute(Tuple.of(streamId, tenant)).map(JournalRepository::terminalState);
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

    /** Up to {@code limit} events of the tenant's stream after {@code afterSeq}, in seq order. */
    public Uni<List<JournalEvent>> page(SqlClient client, String streamId, String tenant, int afterSeq, int limit) {
        return client.preparedQuery(PAGE).execute(Tuple.of(streamId, afterSeq, limit, tenant))
                .map(rows -> events(streamId, rows));
    }

    /** Up to {@code limit} events after {@code afterSeq} of the tenant's stream; null when it has no such stream. */
    public Uni<List<JournalEvent>> tenantPage(SqlClient client, String streamId, String tenant, int afterSeq, int limit) {
        return client.preparedQuery(TENANT_PAGE).execute(Tuple.of(streamId, tenant, afterSeq, limit)).map(rows -> {
            if (rows.size() == 0) {
                return null;
            }
            List<JournalEvent> events = new ArrayList<>(rows.size());
            for (Row row : rows) {
                if (row.getInteger("seq") != null) {
                    events.add(event(streamId, row));
                }
            }
            return events;
        });
    }

    private static List<JournalEvent> events(String streamId, RowSet<Row> rows) {
        List<JournalEvent> events = new ArrayList<>(rows.size());
        for (Row row : rows) {
            events.add(event(streamId, row));
        }
        return events;
    }

    private static JournalEvent event(String streamId, Row row) {
        return new JournalEvent(streamId, row.getInteger("seq"), row.getLong("position"), row.getString("type"),
                row.getString("data"), row.getOffsetDateTime("at"));
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
