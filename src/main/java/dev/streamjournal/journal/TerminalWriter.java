package dev.streamjournal.journal;

import com.fasterxml.jackson.databind.JsonNode;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The second half of every terminal transition, inside the transaction that made the stream terminal:
 * the stream's assistant message goes into the session transcript and the fact into the lifecycle log.
 * Terminal and "transcript saved" are therefore one commit. The stream's settlement turns
 * {@code restored} or {@code error} here (a superseded stream turned {@code stale} when its successor
 * was created), and the lifecycle log records that change too.
 */
@ApplicationScoped
public class TerminalWriter {

    private final JournalRepository journal;
    private final TranscriptWriter transcript;
    private final LifecycleLog lifecycle;

    public TerminalWriter(JournalRepository journal, TranscriptWriter transcript, LifecycleLog lifecycle) {
        this.journal = journal;
        this.transcript = transcript;
        this.lifecycle = lifecycle;
    }

    /**
     * @param terminalType the terminal event's type, or null when the stream ended without one (superseded)
     * @param terminalData that event's data (an empty object when there is none)
     * @param kind         the lifecycle fact to record
     * @param detail       JSON detail of the fact, or null
     */
    public Uni<Void> write(SqlConnection connection, StreamState stream, TerminalState state, String terminalType,
            JsonNode terminalData, LifecycleLog.Kind kind, String detail, String principal) {
        return journal.contentEvents(connection, stream)
                .map(events -> TranscriptAssembler.assistantMessage(stream.streamId(), state, terminalType,
                        terminalData, events))
                .chain(message -> transcript.append(connection, stream.sessionId(), stream.streamId(), message))
                .chain(revision -> lifecycle.record(connection, stream.sessionId(), stream.streamId(), stream.tenant(), kind,
                        state.word(), detail, principal))
                .chain(() -> state == TerminalState.SUPERSEDED
                        ? Uni.createFrom().voidItem()
                        : lifecycle.record(connection, stream.sessionId(), stream.streamId(), stream.tenant(),
                                LifecycleLog.Kind.SETTLEMENT, state.settlesRestored() ? "restored" : "error", null,
                                principal));
    }
}
