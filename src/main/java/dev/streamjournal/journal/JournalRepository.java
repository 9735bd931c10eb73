package dev.streamjournal.journal;

import dev.streamjournal.common.StorableJson;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamjournal.journal.TranscriptAssembler.ContentEvent;
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
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The journal's SQL: one method per statement, each run on the caller's connection or transaction.
 *
 * <p>Every statement names the stream's session ({@code session_id = $1} on every table it reads or
 * writes; the session is the first parameter of every statement about one stream, the combined append
 * takes its batches' sessions as an array), so that on a journal sharded by session it runs on one
 * shard; the methods that are given only
 * a stream id find its session in the {@link StreamDirectory}.
 *
 * <p>A lease is kept to the whole second, rounded up ({@code to_timestamp(floor(epoch of now()) + lease + 1)};
 * written with the epoch because Citus refuses a time zone dependent function of a column in an update):
 * a stream is never reaped before {@code lease_seconds} have passed since its last sign of life, and its
 * row's indexed lease column changes at most once a second, so that the other updates of a busy stream
 * are HOT (see {@code V2__streams_fillfactor.sql}).
 */
@ApplicationScoped
public class JournalRepository {

    static final String LOCK_STREAM = """
            select stream_id, session_id, tenant, last_seq, terminal_state, closed,
                   stop_requested_at is not null as stop_requested
              from streams
             where session_id = $1 and stream_id = $2 and tenant = $3
               for update
            """;

    static final String LOCK_SESSION = """
            select session_id from sessions where session_id = $1 and tenant = $2 for update
            """;

    /** Locks the session unless another transaction holds it (background work that must never wait). */
    public static final String TRY_LOCK_SESSION = """
            select session_id from sessions where session_id = $1 for update skip locked
            """;

    static final String STORED_EVENTS = """
            select seq, type, data::text as data
              from journal_events
             where session_id = $1 and stream_id = $2 and seq = any($3)
            """;

    static final String INSERT_EVENTS = """
            insert into journal_events (stream_id, seq, session_id, tenant, type, data, data_bytes, principal)
            select $2, e.seq, $1, $3, e.type, e.data::jsonb, octet_length(e.data), $4
              from unnest($5::integer[], $6::text[], $7::text[]) with ordinality as e(seq, type, data, n)
             order by e.n
            """;

    /**
     * One event, the most common batch: a plain insert, which Citus sends to its shard as it is (rows
     * from arrays are computed on the coordinator and copied there instead, which costs more).
     */
    static final String INSERT_EVENT = """
            insert into journal_events (stream_id, seq, session_id, tenant, type, data, data_bytes, principal)
            values ($2, $5, $1, $3, $6, $7::text::jsonb, octet_length($7::text), $4)
            """;

    /**
     * The common append on a sharded journal, first of its two statements: moves the stream row past a
     * batch of $4 events without terminal or closing events, when the batch simply continues the stream
     * (not closed; no content, $6, after a terminal event; when the batch has explicit seqs, the stream
     * ends at $7, just before them). It returns the new last seq and the terminal state, or no row: then
     * the general path decides. The events follow with the seqs that end at the returned one.
     */
    static final String CONTINUE_STREAM = """
            update streams
               set last_seq = last_seq + $4,
                   last_event = $5,
                   last_event_at = now(),
                   lease_expires_at = to_timestamp(floor(extract(epoch from now())) + lease_seconds + 1)
             where session_id = $1 and stream_id = $2 and tenant = $3 and not closed
               and (terminal_state is null or not $6) and ($7::integer is null or last_seq = $7)
            returning last_seq, terminal_state, stop_requested_at is not null as stop_requested
            """;

    /**
     * The whole append of one or more batches without terminal or closing events, each on its own
     * stream, in one statement (so one round trip and one commit, with no explicit transaction): lock
     * the streams in stream id order, skipping any that another transaction holds (the statement never
     * waits for a lock), keep the batches that simply continue their stream (not closed; no content after
     * a terminal event; every explicit seq is the next one), write their events and move their stream
     * rows. It returns one row per written event (the event as stored, so that this replica's live feeds
     * need not read it back) and nothing for a batch that was not written: its caller takes the general
     * path, which waits for the lock and decides duplicates and problems.
     * Batches: $1 stream, $2 tenant, $3 principal, $4 holds content events, $5 number of events,
     * $6 type of the last event, $12 session. Events, in batch order: $7 batch (1-based), $8 place in the
     * batch (1-based), $9 explicit seq (null where omitted), $10 type, $11 data.
     *
     * <p>On a sharded journal this statement would span shards (and Citus plans a data-modifying CTE in
     * stages): there every append is a transaction of single-shard statements ({@link AppendService}).
     */
    static final String APPEND_CONTINUING = """
            with batch as (
                select * from unnest($1::text[], $2::text[], $3::text[], $4::boolean[], $5::integer[], $6::text[], $12::text[])
                       with ordinality as b(stream_id, tenant, principal, content, events, last_type, session_id, b)
            ), event as (
                select * from unnest($7::integer[], $8::integer[], $9::integer[], $10::text[], $11::text[])
                       as e(b, n, seq, type, data)
            ), locked as (
                select stream_id, session_id, tenant, last_seq, terminal_state, closed, stop_requested_at
                  from streams
                 where session_id = any($12::text[])
                   and (session_id, stream_id, tenant) in (select session_id, stream_id, tenant from batch)
                 order by stream_id
                   for update skip locked
            ), ok as (
                select batch.b, batch.principal, batch.events, batch.last_type, locked.*
                  from batch
                  join locked on locked.session_id = batch.session_id and locked.stream_id = batch.stream_id
                             and locked.tenant = batch.tenant
                 where not locked.closed
                   and (locked.terminal_state is null or not batch.content)
                   and not exists (select 1 from event
                                    where event.b = batch.b and event.seq is not null
                                      and event.seq <> locked.last_seq + event.n)
            ), inserted as (
                insert into journal_events (stream_id, seq, session_id, tenant, type, data, data_bytes, principal)
                select ok.stream_id, ok.last_seq + event.n, ok.session_id, ok.tenant, event.type, event.data::jsonb,
                       octet_length(event.data), ok.principal
                  from ok
                  join event on event.b = ok.b
                 order by ok.b, event.n
             returning stream_id, seq, position, type, data::text as data, at
            ), moved as (
                update streams st
                   set last_seq = ok.last_seq + ok.events,
                       last_event = ok.last_type,
                       last_event_at = now(),
                       lease_expires_at = to_timestamp(floor(extract(epoch from now())) + st.lease_seconds + 1)
                  from ok
                 where st.session_id = ok.session_id and st.stream_id = ok.stream_id
             returning st.stream_id, st.last_seq
            )
            select ok.b::integer as b, ok.session_id, ok.terminal_state, moved.last_seq as new_last_seq,
                   ok.stop_requested_at is not null as stop_requested, inserted.seq, inserted.position, inserted.type, inserted.data, inserted.at
              from ok
              join moved on moved.stream_id = ok.stream_id
              join inserted on inserted.stream_id = ok.stream_id
             order by ok.b, inserted.seq
            """;

    /*
     * A batch moves its stream row in up to three statements: the last event and lease always, the
     * terminal state when the batch makes the stream terminal, the closing when it closes it. (One
     * statement would need the time in a CASE, which Citus refuses in an update.)
     */
    static final String UPDATE_AFTER_APPEND = """
            update streams
               set last_seq = $3,
                   last_event = $4,
                   last_event_at = now(),
                   lease_expires_at = to_timestamp(floor(extract(epoch from now())) + lease_seconds + 1)
             where session_id = $1 and stream_id = $2
            """;

    static final String MAKE_TERMINAL = """
            update streams
               set terminal_state = $3, terminal_seq = $4, terminal_at = now()
             where session_id = $1 and stream_id = $2 and terminal_state is null
            """;

    static final String MAKE_CLOSED = """
            update streams set closed = true, closed_at = now() where session_id = $1 and stream_id = $2 and not closed
            """;

    static final String CONTENT_EVENTS = """
            select type, data::text as data
              from journal_events
             where session_id = $1 and stream_id = $2 and type in ('token', 'reasoning', 'tool', 'tool_complete')
             order by seq
            """;

    static final String HEARTBEAT = """
            update streams
               set lease_expires_at = to_timestamp(floor(extract(epoch from now())) + lease_seconds + 1)
             where session_id = $1 and stream_id = $2 and tenant = $3 and terminal_state is null
            returning stop_requested_at is not null as stop_requested
            """;

    /** Why a heartbeat extended nothing: the stream's terminal state, or no row when the tenant has no such stream. */
    static final String TERMINAL_STATE = """
            select terminal_state from streams where session_id = $1 and stream_id = $2 and tenant = $3
            """;

    static final String PAGE = """
            select seq, position, type, data::text as data, at
              from journal_events
             where session_id = $1 and stream_id = $2 and seq > $3 and tenant = $5
             order by seq
             limit $4
            """;

    /**
     * A catch-up page: up to $4 events after $3 of the tenant's stream, cut where their data passes $6
     * bytes of text (always at least one event), so that what a lagging reader holds stays bounded
     * however large the events are. The sizes are the ones stored with the events ({@code data_bytes}),
     * so only the rows kept are turned into text.
     */
    static final String BOUNDED_PAGE = """
            select seq, position, type, data::text as data, at
              from (select seq, position, type, data, at,
                           sum(coalesce(data_bytes, octet_length(data::text))) over (order by seq) as bytes,
                           row_number() over (order by seq) as n
                      from journal_events
                     where session_id = $1 and stream_id = $2 and seq > $3 and tenant = $5
                     order by seq
                     limit $4) page
             where n = 1 or bytes <= $6
             order by seq
            """;

    /** A page of the tenant's stream in one statement: no row when there is no such stream, one empty row at the end. */
    static final String TENANT_PAGE = """
            select e.seq, e.position, e.type, e.data::text as data, e.at
              from streams s
              left join lateral (
                    select seq, position, type, data, at
                      from journal_events
                     where session_id = $1 and stream_id = s.stream_id and seq > $4
                     order by seq
                     limit $5) e on true
             where s.session_id = $1 and s.stream_id = $2 and s.tenant = $3
            """;

    static final String STREAMS_OF_SESSION = """
            select stream_id
              from streams
             where session_id = $1 and tenant = $2
             order by created_at, stream_id
            """;

    /** Reads what the journal stored. */
    private final ObjectMapper json;

    /** Stored rows are read with {@link StorableJson#storedReader}, so that a stream of any stored number can still end. */
    public JournalRepository(ObjectMapper json) {
        this.json = StorableJson.storedReader(json);
    }

    /** Locks the stream row for the rest of the transaction; null when the caller's tenant has no such stream. */
    public Uni<StreamState> lockStream(SqlConnection connection, String sessionId, String streamId, String tenant) {
        return connection.preparedQuery(LOCK_STREAM).execute(Tuple.of(sessionId, streamId, tenant))
                .map(rows -> rows.size() == 0 ? null : streamState(rows.iterator().next()));
    }

    /** Locks the tenant's session, so that transcript writers queue session-first (another tenant's is never locked). */
    public Uni<Void> lockSession(SqlConnection connection, String sessionId, String tenant) {
        return connection.preparedQuery(LOCK_SESSION).execute(Tuple.of(sessionId, tenant)).replaceWithVoid();
    }

    public Uni<Map<Integer, StoredEvent>> storedEvents(SqlConnection connection, StreamState stream, List<Integer> seqs) {
        if (seqs.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        return connection.preparedQuery(STORED_EVENTS)
                .execute(Tuple.of(stream.sessionId(), stream.streamId(), seqs.toArray(Integer[]::new)))
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
        Tuple args = Tuple.tuple().addString(stream.sessionId()).addString(stream.streamId()).addString(stream.tenant())
                .addString(principal);
        if (events.size() == 1) {
            return connection.preparedQuery(INSERT_EVENT).execute(args.addInteger(seqs[0]).addString(types[0])
                    .addString(data[0])).replaceWithVoid();
        }
        return connection.preparedQuery(INSERT_EVENTS)
                .execute(args.addArrayOfInteger(seqs).addArrayOfString(types).addArrayOfString(data))
                .replaceWithVoid();
    }

    /** What {@link #CONTINUE_STREAM} made of the stream: its new last seq and its terminal state. */
    public record Moved(int lastSeq, TerminalState terminalState, boolean stopRequested) {
    }

    /**
     * Moves the stream row past a batch that continues it ({@link #CONTINUE_STREAM}); null when the
     * batch does not simply continue the stream (or the tenant has no such stream).
     *
     * @param lastSeqBefore where the stream must end for the batch's explicit seqs, null without any
     */
    public Uni<Moved> continueStream(SqlConnection connection, String sessionId, String streamId, String tenant,
            List<EventInput> events, boolean content, Integer lastSeqBefore) {
        Tuple args = Tuple.tuple().addString(sessionId).addString(streamId).addString(tenant).addInteger(events.size())
                .addString(events.get(events.size() - 1).type()).addBoolean(content).addInteger(lastSeqBefore);
        return connection.preparedQuery(CONTINUE_STREAM).execute(args).map(rows -> {
            if (rows.size() == 0) {
                return null;
            }
            Row row = rows.iterator().next();
            return new Moved(row.getInteger("last_seq"), TerminalState.fromWord(row.getString("terminal_state")),
                    row.getBoolean("stop_requested"));
        });
    }

    /**
     * A batch of content and trailer events for {@link #appendContinuing}, with each event's data as
     * stored text and the length of all of it (for bounding a combined statement).
     */
    public record Continuation(String sessionId, String streamId, String tenant, String principal,
            List<EventInput> events, List<String> data, long dataChars) {

        public static Continuation of(String sessionId, String streamId, String tenant, String principal,
                List<EventInput> events) {
            List<String> data = new ArrayList<>(events.size());
            long chars = 0;
            for (EventInput event : events) {
                String text = AppendPlan.dataOf(event).toString();
                data.add(text);
                chars += text.length();
            }
            return new Continuation(sessionId, streamId, tenant, principal, events, data, chars);
        }
    }

    /** What {@link #APPEND_CONTINUING} wrote for one batch: the stream's session and state, its new last seq, the events as stored. */
    public record Continued(String sessionId, TerminalState terminalState, int lastSeq, boolean stopRequested,
            List<JournalEvent> events) {
    }

    /**
     * Appends batches that continue their streams, at most one per stream, in one statement. The answer
     * holds one entry per batch, in order: null where the batch was not written (no such stream in the
     * tenant, or it does not simply continue the stream).
     */
    public Uni<List<Continued>> appendContinuing(SqlClient client, List<Continuation> batches) {
        int events = batches.stream().mapToInt(batch -> batch.events().size()).sum();
        String[] sessionIds = new String[batches.size()];
        String[] streamIds = new String[batches.size()];
        String[] tenants = new String[batches.size()];
        String[] principals = new String[batches.size()];
        Boolean[] content = new Boolean[batches.size()];
        Integer[] counts = new Integer[batches.size()];
        String[] lastTypes = new String[batches.size()];
        Integer[] batchOf = new Integer[events];
        Integer[] places = new Integer[events];
        Integer[] seqs = new Integer[events];
        String[] types = new String[events];
        String[] data = new String[events];
        int e = 0;
        for (int b = 0; b < batches.size(); b++) {
            Continuation batch = batches.get(b);
            sessionIds[b] = batch.sessionId();
            streamIds[b] = batch.streamId();
            tenants[b] = batch.tenant();
            principals[b] = batch.principal();
            counts[b] = batch.events().size();
            content[b] = AppendPlan.holdsContent(batch.events());
            for (int n = 0; n < batch.events().size(); n++, e++) {
                EventInput event = batch.events().get(n);
                batchOf[e] = b + 1;
                places[e] = n + 1;
                seqs[e] = event.seq() == null ? null : Math.toIntExact(Math.min(event.seq(), Integer.MAX_VALUE));
                types[e] = event.type();
                data[e] = batch.data().get(n);
                lastTypes[b] = event.type();
            }
        }
        Tuple args = Tuple.tuple().addArrayOfString(streamIds).addArrayOfString(tenants).addArrayOfString(principals)
                .addArrayOfBoolean(content).addArrayOfInteger(counts).addArrayOfString(lastTypes)
                .addArrayOfInteger(batchOf).addArrayOfInteger(places).addArrayOfInteger(seqs)
                .addArrayOfString(types).addArrayOfString(data).addArrayOfString(sessionIds);
        return client.preparedQuery(APPEND_CONTINUING).execute(args).map(rows -> {
            List<Continued> continued = new ArrayList<>(batches.size());
            Iterator<Row> row = rows.iterator();
            Row next = row.hasNext() ? row.next() : null;
            for (int b = 1; b <= batches.size(); b++) {
                if (next == null || next.getInteger("b") != b) {
                    continued.add(null);
                    continue;
                }
                String streamId = batches.get(b - 1).streamId();
                Row first = next;
                List<JournalEvent> written = new ArrayList<>(counts[b - 1]);
                while (next != null && next.getInteger("b") == b) {
                    written.add(event(streamId, next));
                    next = row.hasNext() ? row.next() : null;
                }
                continued.add(new Continued(first.getString("session_id"),
                        TerminalState.fromWord(first.getString("terminal_state")), first.getInteger("new_last_seq"),
                        first.getBoolean("stop_requested"), written));
            }
            return continued;
        });
    }

    /** Moves the stream row past the batch: last event, lease, terminal state and closing. */
    public Uni<Void> updateAfterAppend(SqlConnection connection, StreamState stream, AppendPlan.NewEvent last,
            TerminalState terminalState, Integer terminalSeq, boolean closes) {
        Uni<Void> moved = connection.preparedQuery(UPDATE_AFTER_APPEND)
                .execute(Tuple.of(stream.sessionId(), stream.streamId(), last.seq(), last.type())).replaceWithVoid();
        if (terminalState != null) {
            moved = moved.chain(() -> connection.preparedQuery(MAKE_TERMINAL)
                    .execute(Tuple.of(stream.sessionId(), stream.streamId(), terminalState.word(), terminalSeq))
                    .replaceWithVoid());
        }
        if (closes) {
            moved = moved.chain(() -> connection.preparedQuery(MAKE_CLOSED)
                    .execute(Tuple.of(stream.sessionId(), stream.streamId())).replaceWithVoid());
        }
        return moved;
    }

    /** The stream's content events in seq order, for assembling its transcript message. */
    public Uni<List<ContentEvent>> contentEvents(SqlConnection connection, StreamState stream) {
        return connection.preparedQuery(CONTENT_EVENTS).execute(Tuple.of(stream.sessionId(), stream.streamId()))
                .map(rows -> {
                    List<ContentEvent> events = new ArrayList<>(rows.size());
                    for (Row row : rows) {
                        events.add(new ContentEvent(row.getString("type"), parse(row.getString("data"))));
                    }
                    return events;
                });
    }

    /**
     * What a heartbeat found: a live stream (its lease extended), with or without a stop request, or a
     * terminal one (its terminal state).
     */
    public record Beat(String terminalState, boolean stopRequested) {

        public boolean live() {
            return terminalState == null;
        }
    }

    /** Extends the lease of a live stream; null when the tenant has no such stream. */
    public Uni<Beat> heartbeat(SqlClient client, String sessionId, String streamId, String tenant) {
        Tuple args = Tuple.of(sessionId, streamId, tenant);
        return client.preparedQuery(HEARTBEAT).execute(args).chain(extended -> extended.rowCount() == 1
                ? Uni.createFrom().item(new Beat(null, extended.iterator().next().getBoolean("stop_requested")))
                : client.preparedQuery(TERMINAL_STATE).execute(args).map(rows -> rows.size() == 0 ? null
                        : new Beat(rows.iterator().next().getString("terminal_state"), false)));
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
    public Uni<List<JournalEvent>> page(SqlClient client, String sessionId, String streamId, String tenant, int afterSeq,
            int limit) {
        return client.preparedQuery(PAGE).execute(Tuple.of(sessionId, streamId, afterSeq, limit, tenant))
                .map(rows -> events(streamId, rows));
    }

    /** Up to {@code limit} events (and about {@code maxBytes} of data, at least one event) of the tenant's stream after {@code afterSeq}. */
    public Uni<List<JournalEvent>> boundedPage(SqlClient client, String sessionId, String streamId, String tenant,
            int afterSeq, int limit, long maxBytes) {
        return client.preparedQuery(BOUNDED_PAGE)
                .execute(Tuple.tuple().addString(sessionId).addString(streamId).addInteger(afterSeq).addInteger(limit)
                        .addString(tenant).addLong(maxBytes))
                .map(rows -> events(streamId, rows));
    }

    /** Up to {@code limit} events after {@code afterSeq} of the tenant's stream; null when it has no such stream. */
    public Uni<List<JournalEvent>> tenantPage(SqlClient client, String sessionId, String streamId, String tenant,
            int afterSeq, int limit) {
        return client.preparedQuery(TENANT_PAGE).execute(Tuple.of(sessionId, streamId, tenant, afterSeq, limit)).map(rows -> {
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
        return new StreamState(row.getString("stream_id"), row.getString("session_id"), row.getString("tenant"),
                row.getInteger("last_seq"),
                TerminalState.fromWord(row.getString("terminal_state")), row.getBoolean("closed"),
                row.getBoolean("stop_requested"));
    }

    private JsonNode parse(String text) {
        try {
            return json.readTree(text);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
