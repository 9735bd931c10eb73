package dev.streamjournal.session;

import dev.streamjournal.common.ProblemException;
import dev.streamjournal.journal.StreamStatus;
import dev.streamjournal.journal.StreamStatusRepository;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;

/**
 * The session read in one statement, so that the session row, its transcript and its streams come
 * from one snapshot: a response can never hold a terminal stream without its assistant message, nor a
 * revision that claims a message it lacks.
 */
@ApplicationScoped
public class SessionRepository {

    /** One row per stream of the session (one row with null stream columns when it has none). */
    public static final String VIEW = """
            with se as (
                select session_id, active_stream_id, revision
                  from sessions
                 where session_id = $1 and tenant = $2
            ), transcript as (
                select coalesce(json_agg(message order by idx), '[]'::json)::text as messages
                  from transcript_messages
                 where session_id = $1
            )
            select se.session_id, se.active_stream_id, se.revision, transcript.messages,
                   s.stream_id, s.created_at, s.last_seq, s.last_event, s.last_event_at, s.terminal_state, s.closed,
                   s.superseded_by, s.lease_expires_at
              from se
             cross join transcript
              left join streams s on s.session_id = $1 and s.session_id = se.session_id and s.tenant = $2
             order by s.created_at, s.stream_id
            """;

    private final Pool pool;

    public SessionRepository(Pool pool) {
        this.pool = pool;
    }

    /** The session as the tenant sees it; 404 when the tenant has no such session. */
    public Uni<SessionView> view(String sessionId, String tenant) {
        return pool.preparedQuery(VIEW).execute(Tuple.of(sessionId, tenant))
                .map(rows -> {
                    if (rows.size() == 0) {
                        throw ProblemException.notFound("no session " + sessionId);
                    }
                    return view(rows);
                });
    }

    private static SessionView view(RowSet<Row> rows) {
        Row session = rows.iterator().next();
        String current = session.getString("active_stream_id");
        List<StreamStatus> streams = new ArrayList<>(rows.size());
        for (Row row : rows) {
            if (row.getString("stream_id") != null) {
                streams.add(StreamStatusRepository.status(row, session.getString("session_id")));
            }
        }
        String active = streams.stream()
                .filter(status -> status.streamId().equals(current) && status.active())
                .map(StreamStatus::streamId)
                .findFirst()
                .orElse(null);
        return new SessionView(session.getString("session_id"), active, current, session.getLong("revision"),
                session.getString("messages"), streams);
    }
}
