package dev.streamjournal.journal;

import dev.streamjournal.common.ProblemException;
import dev.streamjournal.security.Caller;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import java.util.Map;

/**
 * A reader's request that a live stream's producer stop. The request is a fact of the stream row
 * ({@code stop_requested_at}) and of the lifecycle log, written once: a repeated request answers the
 * first. The producer learns of it from its next append or heartbeat answer ({@code stopRequested}) and
 * ends the stream with {@code cancel}; if it has not after {@code journal.stop-grace}, the
 * {@link LeaseReaper} ends it {@code cancelled} itself.
 */
@ApplicationScoped
public class StopService {

    static final String LOCK_FOR_STOP = """
            select tenant, terminal_state, stop_requested_at
              from streams
             where session_id = $1 and stream_id = $2 and tenant = $3
               for update
            """;

    static final String REQUEST_STOP = """
            update streams set stop_requested_at = now()
             where session_id = $1 and stream_id = $2 and stop_requested_at is null
            returning stop_requested_at
            """;

    /** The answer to a stop request: when it was first made, and when the service ends the stream itself. */
    public record StopRequest(String streamId, boolean stopRequested, OffsetDateTime stopRequestedAt,
            OffsetDateTime stopDeadline) {
    }

    private final Pool pool;
    private final StreamDirectory directory;
    private final LifecycleLog lifecycle;
    private final JournalConfig config;

    public StopService(Pool pool, StreamDirectory directory, LifecycleLog lifecycle, JournalConfig config) {
        this.pool = pool;
        this.directory = directory;
        this.lifecycle = lifecycle;
        this.config = config;
    }

    public Uni<StopRequest> requestStop(String streamId, Caller caller) {
        return directory.sessionOf(streamId)
                .onItem().ifNull().failWith(() -> ProblemException.notFound("no stream " + streamId))
                .chain(sessionId -> pool.withTransaction(connection -> connection.preparedQuery(LOCK_FOR_STOP)
                        .execute(Tuple.of(sessionId, streamId, caller.tenant()))
                        .chain(rows -> {
                            if (rows.size() == 0) {
                                throw ProblemException.notFound("no stream " + streamId);
                            }
                            Row row = rows.iterator().next();
                            String terminalState = row.getString("terminal_state");
                            if (terminalState != null) {
                                throw new ProblemException(409, "stream-terminal", "Stream terminal",
                                        "stream " + streamId + " is terminal (" + terminalState + "); there is nothing to stop",
                                        Map.of("streamId", streamId, "terminalState", terminalState));
                            }
                            OffsetDateTime requested = row.getOffsetDateTime("stop_requested_at");
                            if (requested != null) {
                                return Uni.createFrom().item(answer(streamId, requested));
                            }
                            return connection.preparedQuery(REQUEST_STOP).execute(Tuple.of(sessionId, streamId))
                                    .map(updated -> updated.iterator().next().getOffsetDateTime("stop_requested_at"))
                                    .call(at -> lifecycle.record(connection, sessionId, streamId, caller.tenant(),
                                            LifecycleLog.Kind.STOP_REQUESTED, null, null, caller.principal()))
                                    .map(at -> answer(streamId, at));
                        })));
    }

    private StopRequest answer(String streamId, OffsetDateTime requested) {
        return new StopRequest(streamId, true, requested, requested.plus(config.stopGrace()));
    }
}
