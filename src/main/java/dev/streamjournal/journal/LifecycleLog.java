package dev.streamjournal.journal;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

/** Writes the lifecycle log: each fact of a stream's life, with the principal that caused it. */
@ApplicationScoped
public class LifecycleLog {

    /** What happened to a stream. */
    public enum Kind {
        CREATED, SUPERSEDED, TERMINAL, CLOSED, LEASE_EXPIRED,
        /** A reader asked the producer to stop ({@code POST /v1/streams/{id}/stop}). */
        STOP_REQUESTED,
        /** A change of the stream's settlement outcome; the state is the outcome word. */
        SETTLEMENT,
        /** Retention pruned the stream's payloads or the stream; the state says which. */
        PRUNED;

        String word() {
            return name().toLowerCase();
        }
    }

    private static final String INSERT = """
            insert into lifecycle_log (session_id, stream_id, tenant, kind, state, detail, principal)
            values ($1, $2, $7, $3, $4, $5::text::jsonb, $6)
            """;

    /**
     * Records one fact inside the caller's transaction.
     *
     * @param state  the stream's terminal state where the fact has one, else null
     * @param detail a JSON object with more about the fact, or null
     */
    public Uni<Void> record(SqlConnection connection, String sessionId, String streamId, String tenant, Kind kind,
            String state, String detail, String principal) {
        return connection.preparedQuery(INSERT)
                .execute(Tuple.tuple().addString(sessionId).addString(streamId).addString(kind.word()).addString(state)
                        .addString(detail).addString(principal).addString(tenant))
                .replaceWithVoid();
    }
}
