package dev.streamjournal.ds;

import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The SQL of Durable Streams over the journal. Every statement names the stream's session first
 * ({@code session_id = $1}), so that on a journal sharded by session it runs on one shard.
 */
@ApplicationScoped
public class DsRepository {

    /** A stored message: its seq and its bytes. */
    public record Message(long seq, byte[] body) {
    }

    static final String FIND = """
            select %s
              from sessions se
              join ds_streams d on d.session_id = se.session_id and d.stream_id = se.active_stream_id
              join streams st on st.session_id = d.session_id and st.stream_id = d.stream_id
             where se.session_id = $1 and d.session_id = $1 and st.session_id = $1 and se.tenant = $2
            """.formatted(DsStream.COLUMNS);

    static final String LOCK = """
            select %s
              from ds_streams d
              join streams st on st.session_id = d.session_id and st.stream_id = d.stream_id
             where d.session_id = $1 and st.session_id = $1 and d.stream_id = $2 and d.tenant = $3
               for update
            """.formatted(DsStream.COLUMNS);

    static final String ENSURE_SESSION = """
            insert into sessions (session_id, tenant) values ($1, $2)
            on conflict (session_id) do nothing
            """;

    static final String LOCK_SESSION = """
            select tenant, active_stream_id from sessions where session_id = $1 for update
            """;

    static final String REGISTER_STREAM = """
            insert into stream_sessions (stream_id, session_id, tenant) values ($2, $1, $3)
            """;

    /** A DS stream never expires by lease: its lease is infinite, so the reaper passes it by. */
    static final String INSERT_STREAM = """
            insert into streams (session_id, stream_id, tenant, create_request, created_by, created_at,
                                 lease_seconds, lease_expires_at)
            values ($1, $2, $3, $4::text::jsonb, $5, clock_timestamp(), 1, 'infinity')
            """;

    static final String INSERT_DS_STREAM = """
            insert into ds_streams (session_id, stream_id, tenant, path, content_type, ttl_seconds, expires_at,
                                    fixed_expiry, forked_from, fork_seq, fork_sub_offset, source_session_id,
                                    source_stream_id)
            values ($1, $2, $3, $4, $5, $6,
                    case when $7::timestamptz is not null then $7::timestamptz
                         when $6::bigint is not null then now() + make_interval(secs => $6::bigint) end,
                    $7::timestamptz is not null, $8, $9, $12, $10, $11)
            """;

    static final String SET_ACTIVE_STREAM = """
            update sessions set active_stream_id = $2, updated_at = now() where session_id = $1
            """;

    static final String INSERT_MESSAGES = """
            insert into journal_events (session_id, stream_id, seq, tenant, type, data, data_bytes, body, principal)
            select $1, $2, $3::integer + m.n::integer, $4, 'ds', d.data, octet_length(d.data::text), m.body, $6
              from unnest($5::bytea[]) with ordinality as m(body, n)
             cross join lateral (select jsonb_build_object('bytes', octet_length(m.body)) || $7::text::jsonb as data) d
            """;

    /** Copies a fork's inheritance: the source's messages up to the fork point, with their seqs. */
    static final String COPY_MESSAGES = """
            insert into journal_events (session_id, stream_id, seq, tenant, type, data, data_bytes, body, principal)
            select $1, $2, e.seq, $3, e.type, e.data, e.data_bytes, e.body, e.principal
              from journal_events e
             where e.session_id = $4 and e.stream_id = $5 and e.seq <= $6
             order by e.seq
            """;

    static final String ADVANCE_STREAM = """
            update streams
               set last_seq = $3, last_event = 'ds', last_event_at = now(),
                   terminal_state = case when $4 and not closed then 'completed' else terminal_state end,
                   terminal_seq = case when $4 and not closed then $3 else terminal_seq end,
                   terminal_at = case when $4 and not closed then now() else terminal_at end,
                   closed_at = case when $4 and not closed then now() else closed_at end,
                   closed = closed or $4
             where session_id = $1 and stream_id = $2
            """;

    /** After a write: the writer's Stream-Seq and the closing producer. */
    static final String AFTER_WRITE = """
            update ds_streams
               set writer_seq = coalesce($3, writer_seq),
                   closed_by_producer = coalesce($4, closed_by_producer),
                   closed_by_epoch = coalesce($5, closed_by_epoch),
                   closed_by_seq = coalesce($6, closed_by_seq)
             where session_id = $1 and stream_id = $2
            """;

    /**
     * A read or a write moves a sliding TTL ($3, the stream's) on, at most once a second per stream (the TTL
     * is a parameter: Citus refuses a stable function of a column in an update); an expired stream stays so.
     */
    static final String TOUCH = """
            update ds_streams
               set expires_at = now() + make_interval(secs => $3::bigint)
             where session_id = $1 and stream_id = $2 and not fixed_expiry and expires_at > now()
               and expires_at < now() + make_interval(secs => $3::bigint) - interval '1 second'
            """;

    static final String PRODUCER = """
            select epoch, last_seq from ds_producers where session_id = $1 and stream_id = $2 and producer_id = $3
            """;

    static final String SAVE_PRODUCER = """
            insert into ds_producers (session_id, stream_id, producer_id, epoch, last_seq, updated_at)
            values ($1, $2, $3, $4, $5, now())
            on conflict (session_id, stream_id, producer_id)
            do update set epoch = excluded.epoch, last_seq = excluded.last_seq, updated_at = excluded.updated_at
            """;

    /**
     * The messages after a seq, up to a count, cut where the bytes reach a bound (the first message always
     * comes, however large).
     */
    static final String MESSAGES = """
            select seq, body
              from (select seq, body, sum(octet_length(body)) over (order by seq) as upto
                      from journal_events
                     where session_id = $1 and stream_id = $2 and seq > $3
                     order by seq
                     limit $4) page
             where upto - octet_length(body) < $5
             order by seq
            """;

    /** A stream's tail for its live readers; none once it is deleted (soft-deleted too, while forks hold it). */
    static final String TAIL = """
            select st.last_seq, st.closed
              from streams st
              join ds_streams d on d.session_id = st.session_id and d.stream_id = st.stream_id
             where st.session_id = $1 and d.session_id = $1 and st.stream_id = $2 and d.stream_id = $2
               and d.deleted_at is null
            """;

    static final String COUNT_FORK = """
            update ds_streams set forks = forks + $3 where session_id = $1 and stream_id = $2
            returning forks, deleted_at is not null as deleted
            """;

    static final String SOFT_DELETE = """
            update ds_streams set deleted_at = now() where session_id = $1 and stream_id = $2
            """;

    static final String SOURCE = """
            select source_session_id, source_stream_id from ds_streams where session_id = $1 and stream_id = $2
            """;

    static final String DELETE_PRODUCERS = """
            delete from ds_producers where session_id = $1 and stream_id = $2
            """;

    static final String DELETE_DS_STREAM = """
            delete from ds_streams where session_id = $1 and stream_id = $2
            """;

    static final String DELETE_EVENTS = """
            delete from journal_events where session_id = $1 and stream_id = $2
            """;

    static final String DELETE_STREAM = """
            delete from streams where session_id = $1 and stream_id = $2
            """;

    static final String CLEAR_ACTIVE_STREAM = """
            update sessions set active_stream_id = null, revision = revision + 1, updated_at = now()
             where session_id = $1 and active_stream_id = $2
            """;

    /**
     * The tails (last seq) of a tenant's live paths among some sessions: the paths that exist, are not
     * deleted and have not expired.
     */
    static final String TAILS = """
            select d.path, d.stream_id, st.last_seq
              from sessions se
              join ds_streams d on d.session_id = se.session_id and d.stream_id = se.active_stream_id
              join streams st on st.session_id = d.session_id and st.stream_id = d.stream_id
             where se.session_id = any($1) and d.session_id = any($1) and st.session_id = any($1) and se.tenant = $2
               and d.deleted_at is null and (d.expires_at is null or d.expires_at > now())
            """;

    /** A tenant's live paths created after a time (all of them from -infinity), with their tails. */
    static final String PATHS = """
            select d.path, d.stream_id, st.last_seq
              from ds_streams d
              join sessions se on se.session_id = d.session_id and se.active_stream_id = d.stream_id
              join streams st on st.session_id = d.session_id and st.stream_id = d.stream_id
             where d.tenant = $1 and d.created_at > $2
               and d.deleted_at is null and (d.expires_at is null or d.expires_at > now())
             order by d.created_at
            """;

    /** A path's live incarnation (its journal stream) and its tail, the seq of its last message. */
    public record Tail(String streamId, long seq) {
    }

    /** The tail of each of a tenant's paths that has a live stream. */
    public Uni<Map<String, Tail>> tails(SqlClient client, String tenant, Collection<String> paths) {
        if (paths.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        String[] sessions = paths.stream().map(path -> DsService.sessionId(tenant, path)).toArray(String[]::new);
        return client.preparedQuery(TAILS).execute(Tuple.of(sessions, tenant)).map(DsRepository::tailsOf);
    }

    /** A tenant's live paths created after a time, with their tails. */
    public Uni<Map<String, Tail>> paths(SqlClient client, String tenant, OffsetDateTime after) {
        return client.preparedQuery(PATHS).execute(Tuple.of(tenant, after)).map(DsRepository::tailsOf);
    }

    private static Map<String, Tail> tailsOf(RowSet<Row> rows) {
        Map<String, Tail> tails = new HashMap<>();
        for (Row row : rows) {
            tails.put(row.getString("path"), new Tail(row.getString("stream_id"), row.getInteger("last_seq")));
        }
        return tails;
    }

    /** The active incarnation of a path, or null. */
    Uni<DsStream> find(SqlClient client, String sessionId, String tenant) {
        return client.preparedQuery(FIND).execute(Tuple.of(sessionId, tenant)).map(DsRepository::first);
    }

    /** Locks an incarnation (its ds and journal rows) for a write, or null when it is gone. */
    Uni<DsStream> lock(SqlConnection connection, String sessionId, String streamId, String tenant) {
        return connection.preparedQuery(LOCK).execute(Tuple.of(sessionId, streamId, tenant)).map(DsRepository::first);
    }

    /** The active incarnation of a path, locked for a write, or null. */
    Uni<DsStream> lockActive(SqlConnection connection, String sessionId, String tenant) {
        return find(connection, sessionId, tenant).chain(found -> found == null ? Uni.createFrom().nullItem()
                : lock(connection, sessionId, found.streamId(), tenant));
    }

    /** Creates the path's session on first use and locks it; returns its tenant. */
    Uni<String> lockSession(SqlConnection connection, String sessionId, String tenant) {
        return connection.preparedQuery(ENSURE_SESSION).execute(Tuple.of(sessionId, tenant))
                .chain(() -> connection.preparedQuery(LOCK_SESSION).execute(Tuple.of(sessionId)))
                .map(rows -> rows.iterator().next().getString("tenant"));
    }

    /**
     * Locks a path's session row if there is one (a delete: nothing is created for a missing path). Every
     * DS writer that may take a session and a stream locks the session first, so that they cannot deadlock.
     */
    Uni<Void> lockExistingSession(SqlConnection connection, String sessionId) {
        return connection.preparedQuery(LOCK_SESSION).execute(Tuple.of(sessionId)).replaceWithVoid();
    }

    /** The stream row and its DS row, made the path's active incarnation. */
    Uni<Void> insert(SqlConnection connection, DsStream stream, String tenant, String createRequest, String principal,
            OffsetDateTime fixedExpiry) {
        return connection.preparedQuery(REGISTER_STREAM).execute(Tuple.of(stream.sessionId(), stream.streamId(), tenant))
                .chain(() -> connection.preparedQuery(INSERT_STREAM).execute(Tuple.of(stream.sessionId(),
                        stream.streamId(), tenant, createRequest, principal)))
                .chain(() -> connection.preparedQuery(INSERT_DS_STREAM).execute(Tuple.tuple()
                        .addString(stream.sessionId()).addString(stream.streamId()).addString(tenant)
                        .addString(stream.path()).addString(stream.contentType()).addLong(stream.ttlSeconds())
                        .addOffsetDateTime(fixedExpiry).addString(stream.forkedFrom()).addInteger(stream.forkSeq())
                        .addString(stream.sourceSessionId()).addString(stream.sourceStreamId())
                        .addLong(stream.forkSubOffset())))
                .chain(() -> connection.preparedQuery(SET_ACTIVE_STREAM).execute(Tuple.of(stream.sessionId(),
                        stream.streamId())))
                .replaceWithVoid();
    }

    /** Writes messages after {@code lastSeq}; {@code detail} is a JSON object added to each event's data. */
    Uni<Void> insertMessages(SqlConnection connection, DsStream stream, String tenant, long lastSeq,
            List<byte[]> bodies, String principal, String detail) {
        if (bodies.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        Buffer[] buffers = bodies.stream().map(Buffer::buffer).toArray(Buffer[]::new);
        return connection.preparedQuery(INSERT_MESSAGES).execute(Tuple.tuple().addString(stream.sessionId())
                .addString(stream.streamId()).addInteger((int) lastSeq).addString(tenant).addValue(buffers)
                .addString(principal).addString(detail))
                .replaceWithVoid();
    }

    Uni<Void> copyMessages(SqlConnection connection, DsStream fork, String tenant, DsStream source, long upTo) {
        return connection.preparedQuery(COPY_MESSAGES).execute(Tuple.of(fork.sessionId(), fork.streamId(), tenant,
                source.sessionId(), source.streamId(), (int) upTo)).replaceWithVoid();
    }

    Uni<Void> advance(SqlConnection connection, DsStream stream, long lastSeq, boolean close) {
        return connection.preparedQuery(ADVANCE_STREAM).execute(Tuple.of(stream.sessionId(), stream.streamId(),
                (int) lastSeq, close)).replaceWithVoid();
    }

    /** Records the writer's Stream-Seq and who closed the stream; nothing to do for an append with neither. */
    Uni<Void> afterWrite(SqlConnection connection, DsStream stream, String writerSeq, DsProducer closedBy) {
        if (writerSeq == null && closedBy == null) {
            return Uni.createFrom().voidItem();
        }
        return connection.preparedQuery(AFTER_WRITE).execute(Tuple.tuple().addString(stream.sessionId())
                .addString(stream.streamId()).addString(writerSeq)
                .addString(closedBy == null ? null : closedBy.id())
                .addLong(closedBy == null ? null : closedBy.epoch())
                .addLong(closedBy == null ? null : closedBy.seq()))
                .replaceWithVoid();
    }

    Uni<Void> touch(SqlClient client, DsStream stream) {
        if (stream.ttlSeconds() == null || stream.fixedExpiry()) {
            return Uni.createFrom().voidItem();
        }
        return client.preparedQuery(TOUCH).execute(Tuple.of(stream.sessionId(), stream.streamId(), stream.ttlSeconds()))
                .replaceWithVoid();
    }

    Uni<ProducerDecision.State> producer(SqlConnection connection, DsStream stream, String producerId) {
        return connection.preparedQuery(PRODUCER).execute(Tuple.of(stream.sessionId(), stream.streamId(), producerId))
                .map(rows -> rows.size() == 0 ? null : new ProducerDecision.State(rows.iterator().next().getLong("epoch"),
                        rows.iterator().next().getLong("last_seq")));
    }

    Uni<Void> saveProducer(SqlConnection connection, DsStream stream, DsProducer producer) {
        return connection.preparedQuery(SAVE_PRODUCER).execute(Tuple.of(stream.sessionId(), stream.streamId(),
                producer.id(), producer.epoch(), producer.seq())).replaceWithVoid();
    }

    /** Messages after {@code afterSeq}: at most {@code count}, cut once {@code bytes} are reached. */
    Uni<List<Message>> messages(SqlClient client, String sessionId, String streamId, long afterSeq, int count, long bytes) {
        return client.preparedQuery(MESSAGES).execute(Tuple.of(sessionId, streamId, (int) afterSeq, count, bytes))
                .map(rows -> {
                    List<Message> messages = new ArrayList<>(rows.size());
                    for (Row row : rows) {
                        io.vertx.mutiny.core.buffer.Buffer body = row.getBuffer("body");
                        messages.add(new Message(row.getInteger("seq"), body == null ? new byte[0] : body.getBytes()));
                    }
                    return messages;
                });
    }

    /** The journal stream's last seq and closed flag, or null when it is gone or deleted. */
    Uni<long[]> tail(SqlClient client, String sessionId, String streamId) {
        return client.preparedQuery(TAIL).execute(Tuple.of(sessionId, streamId)).map(rows -> {
            if (rows.size() == 0) {
                return null;
            }
            Row row = rows.iterator().next();
            return new long[] {row.getInteger("last_seq"), row.getBoolean("closed") ? 1 : 0};
        });
    }

    /** Adds {@code delta} to the forks of a stream; returns whether it is now soft-deleted with none left. */
    Uni<Boolean> countFork(SqlConnection connection, String sessionId, String streamId, int delta) {
        return connection.preparedQuery(COUNT_FORK).execute(Tuple.of(sessionId, streamId, delta)).map(rows -> {
            if (rows.size() == 0) {
                return false;
            }
            Row row = rows.iterator().next();
            return row.getBoolean("deleted") && row.getInteger("forks") <= 0;
        });
    }

    Uni<Void> softDelete(SqlConnection connection, DsStream stream) {
        return connection.preparedQuery(SOFT_DELETE).execute(Tuple.of(stream.sessionId(), stream.streamId()))
                .replaceWithVoid();
    }

    /** The source (session and stream id) of a fork, or null. */
    Uni<String[]> source(SqlConnection connection, String sessionId, String streamId) {
        return connection.preparedQuery(SOURCE).execute(Tuple.of(sessionId, streamId)).map(rows -> {
            if (rows.size() == 0 || rows.iterator().next().getString("source_session_id") == null) {
                return null;
            }
            Row row = rows.iterator().next();
            return new String[] {row.getString("source_session_id"), row.getString("source_stream_id")};
        });
    }

    /** Removes an incarnation and its data for good (its stream id stays registered, never reused). */
    Uni<Void> remove(SqlConnection connection, String sessionId, String streamId) {
        Tuple key = Tuple.of(sessionId, streamId);
        return connection.preparedQuery(CLEAR_ACTIVE_STREAM).execute(key)
                .chain(() -> connection.preparedQuery(DELETE_PRODUCERS).execute(key))
                .chain(() -> connection.preparedQuery(DELETE_DS_STREAM).execute(key))
                .chain(() -> connection.preparedQuery(DELETE_EVENTS).execute(key))
                .chain(() -> connection.preparedQuery(DELETE_STREAM).execute(key))
                .replaceWithVoid();
    }

    static OffsetDateTime utc(java.time.Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }

    private static DsStream first(RowSet<Row> rows) {
        return rows.size() == 0 ? null : DsStream.of(rows.iterator().next());
    }
}
