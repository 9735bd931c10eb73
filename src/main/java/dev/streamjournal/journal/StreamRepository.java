package dev.streamjournal.journal;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

/** The SQL of creating and superseding streams, run inside the creating transaction. */
@ApplicationScoped
public class StreamRepository {

    /** A session as a stream creation sees it, locked. */
    public record LockedSession(String sessionId, String tenant, String activeStreamId) {
    }

    /** A stream id already taken: its session and tenant, and the request that created the stream (null once pruned). */
    public record Existing(String sessionId, String tenant, String createRequest) {
    }

    private static final String ENSURE_SESSION = """
            insert into sessions (session_id, tenant) values ($1, $2)
            on conflict (session_id) do nothing
            """;

    private static final String LOCK_SESSION = """
            select session_id, tenant, active_stream_id
              from sessions
             where session_id = $1
               for update
            """;

    private static final String FIND_STREAM_ID = """
            select session_id, tenant from stream_sessions where stream_id = $1
            """;

    private static final String CREATE_REQUEST = """
            select create_request::text as create_request from streams where session_id = $1 and stream_id = $2
            """;

    private static final String INSERT_STREAM = """
            insert into streams (stream_id, session_id, tenant, create_request, created_by, created_at,
                                 lease_seconds, lease_expires_at)
            values ($2, $1, $3, $4::text::jsonb, $5, clock_timestamp(), $6, date_trunc('second', now()) + make_interval(secs => $6::integer + 1))
            """;

    /** Claims the stream id for this session, for good: a taken id fails on {@code stream_sessions_pkey}. */
    private static final String REGISTER_STREAM = """
            insert into stream_sessions (stream_id, session_id, tenant) values ($2, $1, $3)
            """;

    private static final String SET_ACTIVE_STREAM = """
            update sessions set active_stream_id = $2, updated_at = now() where session_id = $1
            """;

    private static final String SUPERSEDE = """
            update streams
               set terminal_state = 'superseded', terminal_at = now(), closed = true, closed_at = now(),
                   superseded_by = $3
             where session_id = $1 and stream_id = $2
            """;

    /** Creates the session on first use and locks it: stream creations of one session queue here. */
    public Uni<LockedSession> lockSession(SqlConnection connection, String sessionId, String tenant) {
        return connection.preparedQuery(ENSURE_SESSION).execute(Tuple.of(sessionId, tenant))
                .chain(() -> connection.preparedQuery(LOCK_SESSION).execute(Tuple.of(sessionId)))
                .map(rows -> {
                    Row row = rows.iterator().next();
                    return new LockedSession(row.getString("session_id"), row.getString("tenant"),
                            row.getString("active_stream_id"));
                });
    }

    /** The stream with this id in any session (or the id, once its stream is pruned), or null. */
    public Uni<Existing> find(SqlConnection connection, String streamId) {
        return connection.preparedQuery(FIND_STREAM_ID).execute(Tuple.of(streamId))
                .chain(rows -> {
                    if (rows.size() == 0) {
                        return Uni.createFrom().nullItem();
                    }
                    Row row = rows.iterator().next();
                    String sessionId = row.getString("session_id");
                    return connection.preparedQuery(CREATE_REQUEST).execute(Tuple.of(sessionId, streamId))
                            .map(stream -> new Existing(sessionId, row.getString("tenant"), stream.size() == 0 ? null
                                    : stream.iterator().next().getString("create_request")));
                });
    }

    public Uni<Void> insert(SqlConnection connection, String streamId, String sessionId, String tenant,
            String createRequest, String principal, int leaseSeconds) {
        return connection.preparedQuery(REGISTER_STREAM).execute(Tuple.of(sessionId, streamId, tenant))
                .chain(() -> connection.preparedQuery(INSERT_STREAM)
                        .execute(Tuple.of(sessionId, streamId, tenant, createRequest, principal, leaseSeconds)))
                .chain(() -> connection.preparedQuery(SET_ACTIVE_STREAM).execute(Tuple.of(sessionId, streamId)))
                .replaceWithVoid();
    }

    /** Makes a live stream terminal {@code superseded} and closed; its producer's appends now get 409. */
    public Uni<Void> supersede(SqlConnection connection, StreamState stream, String byStreamId) {
        return connection.preparedQuery(SUPERSEDE).execute(Tuple.of(stream.sessionId(), stream.streamId(), byStreamId))
                .replaceWithVoid();
    }
}
