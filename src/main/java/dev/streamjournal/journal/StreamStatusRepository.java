package dev.streamjournal.journal;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The status of one stream by primary key, on the reactive pool: the hottest read of the service
 * (status, the hermes alias, every live channel's admission), one prepared statement and no session.
 */
@ApplicationScoped
public class StreamStatusRepository {

    static final String STATUS = """
            select stream_id, session_id, created_at, last_seq, last_event, last_event_at, terminal_state, closed,
                   superseded_by, lease_expires_at
              from streams
             where session_id = $3 and stream_id = $1 and tenant = $2
            """;

    private final Pool pool;
    private final StreamDirectory directory;

    public StreamStatusRepository(Pool pool, StreamDirectory directory) {
        this.pool = pool;
        this.directory = directory;
    }

    /** The stream's status, or null when the tenant has no such stream. */
    public Uni<StreamStatus> find(String streamId, String tenant) {
        return directory.sessionOf(streamId).chain(sessionId -> sessionId == null ? Uni.createFrom().nullItem()
                : pool.preparedQuery(STATUS).execute(Tuple.of(streamId, tenant, sessionId))
                        .map(rows -> rows.size() == 0 ? null : status(rows.iterator().next(), null)));
    }

    /** A status from a row with the columns of {@link #STATUS}; {@code sessionId} when the row lacks it. */
    public static StreamStatus status(Row row, String sessionId) {
        return StreamStatus.of(row.getString("stream_id"), sessionId != null ? sessionId : row.getString("session_id"),
                row.getOffsetDateTime("created_at"),
                row.getInteger("last_seq"), row.getString("last_event"), row.getOffsetDateTime("last_event_at"),
                row.getString("terminal_state"), row.getBoolean("closed"), row.getString("superseded_by"),
                row.getOffsetDateTime("lease_expires_at"));
    }
}
