package dev.streamjournal.journal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Appends messages to a session's transcript inside the caller's transaction. Each message bumps the
 * session's {@code revision} and takes the new revision as its place in the transcript.
 */
@ApplicationScoped
public class TranscriptWriter {

    private static final String BUMP = """
            update sessions
               set revision = revision + 1, updated_at = now()
             where session_id = $1
            returning revision
            """;

    private static final String APPEND = """
            insert into transcript_messages (session_id, idx, stream_id, role, message)
            values ($1, $2, $3, $4, $5::text::jsonb || jsonb_build_object('at', to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')))
            """;

    /** Appends the message and returns the session's new revision. */
    public Uni<Long> append(SqlConnection connection, String sessionId, String streamId, ObjectNode message) {
        return connection.preparedQuery(BUMP).execute(Tuple.of(sessionId))
                .map(rows -> rows.iterator().next().getLong("revision"))
                .call(revision -> connection.preparedQuery(APPEND).execute(
                        Tuple.of(sessionId, revision, streamId, message.path("role").asText(), message.toString())));
    }
}
