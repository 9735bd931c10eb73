package dev.streamjournal.journal;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;

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
             where session_id = $1 and stream_id = $2 and tenant = $3
            """;

    /** The states a listing may ask for, and the condition of each (every stream without one); the state is the %s parameter. */
    static final String STATE = """
            case %s::text when 'active' then terminal_state is null
                          when 'terminal' then terminal_state is not null and not closed
                          when 'closed' then closed
                          else true end""";

    /** A page of the tenant's streams, newest first, created before the cursor ($3, $4). */
    static final String LIST_BY_TENANT = """
            select stream_id, session_id, created_at, last_seq, last_event, last_event_at, terminal_state, closed,
                   superseded_by, lease_expires_at
              from streams
             where tenant = $1 and (created_at, stream_id) < ($3, $4)
               and %s
             order by created_at desc, stream_id desc
             limit $5
            """.formatted(STATE.formatted("$2"));

    /**
     * The same, of one session ($1; the tenant $2, the state $3, the cursor ($4, $5), the limit $6): one
     * shard on a sharded journal. The session's streams are walked
     * newest first along its index and filtered after (OFFSET 0 keeps the state out of the walk, so that
     * the planner never intersects it with the index of all live streams).
     */
    static final String LIST_BY_SESSION = """
            select *
              from (select stream_id, session_id, created_at, last_seq, last_event, last_event_at, terminal_state,
                           closed, superseded_by, lease_expires_at
                      from streams
                     where session_id = $1 and tenant = $2 and (created_at, stream_id) < ($4, $5)
                     order by created_at desc, stream_id desc
                    offset 0) session_streams
             where %s
             limit $6
            """.formatted(STATE.formatted("$3"));

    private final Pool pool;
    private final StreamDirectory directory;

    public StreamStatusRepository(Pool pool, StreamDirectory directory) {
        this.pool = pool;
        this.directory = directory;
    }

    /** The stream's status, or null when the tenant has no such stream. */
    public Uni<StreamStatus> find(String streamId, String tenant) {
        return directory.sessionOf(streamId).chain(sessionId -> sessionId == null ? Uni.createFrom().nullItem()
                : pool.preparedQuery(STATUS).execute(Tuple.of(sessionId, streamId, tenant))
                        .map(rows -> rows.size() == 0 ? null : status(rows.iterator().next(), null)));
    }

    /** A page of the streams a listing asks for: newest first, with the cursor of the next page (null at the end). */
    public record Listing(List<StreamStatus> streams, String next) {
    }

    /**
     * Up to {@code limit} of the tenant's streams created before {@code after}, newest first, in one
     * session when {@code sessionId} is given, in one state ({@code active}, {@code terminal} (and not
     * closed) or {@code closed}) when {@code state} is.
     */
    public Uni<Listing> list(String tenant, String sessionId, String state, StreamCursor after, int limit) {
        Tuple args = sessionId == null ? Tuple.tuple() : Tuple.of(sessionId);
        args.addString(tenant).addString(state).addOffsetDateTime(after.createdAt()).addString(after.streamId())
                .addInteger(limit + 1);
        return pool.preparedQuery(sessionId == null ? LIST_BY_TENANT : LIST_BY_SESSION).execute(args).map(rows -> {
            List<StreamStatus> streams = new ArrayList<>(rows.size());
            for (Row row : rows) {
                streams.add(status(row, null));
            }
            if (streams.size() <= limit) {
                return new Listing(streams, null);
            }
            StreamStatus last = streams.get(limit - 1);
            return new Listing(streams.subList(0, limit), new StreamCursor(last.createdAt(), last.streamId()).encode());
        });
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
