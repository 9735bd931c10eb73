package dev.streamjournal.session;

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

    private static final String APPEND = """
            with bumped as (
                update sessions
                   set revision = revision + 1, updated_at = now()
                 where session_id = $1
             returning revision
            )
            insert into transcript_messages (session_id, idx, stream_id, role, message)
            select $1, bumped.revision, $2, $3, $4::text::jsonb || jsonb_build_object('at', to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))
              from bumped
            returning idx
            """;

    /** Appends the message and returns the session's new revision. */
    public Uni<Long> append(SqlConnection connection, String sessionId, String streamId, ObjectNode message) {
        return connection.preparedQuery(APPEND)
                .execute(Tuple.of(sessionId, streamId, message.path("role").asText(), message.toString()))
                .map(rows -> rows.iterator().next().getLong("idx"));
    }
}
