package dev.streamjournal.session;

import com.fasterxml.jackson.databind.util.RawValue;
import dev.streamjournal.common.ProblemException;
import dev.streamjournal.journal.StreamEntity;
import dev.streamjournal.journal.StreamQueries;
import dev.streamjournal.journal.StreamStatus;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

/** Reads a session with its transcript and streams. */
@ApplicationScoped
public class SessionQueries {

    private final StreamQueries streams;

    public SessionQueries(StreamQueries streams) {
        this.streams = streams;
    }

    /**
     * The session as the tenant sees it. The reads are ordered so that no response is torn the unsafe
     * way: the session row ({@code revision}) first, then the streams, then the transcript. A stream seen
     * terminal therefore always comes with its assistant message (terminal and transcript commit
     * together), and {@code revision} never claims a message the response lacks.
     */
    @WithSession
    public Uni<SessionView> view(String sessionId, String tenant) {
        return SessionEntity.<SessionEntity>find("sessionId = ?1 and tenant = ?2", sessionId, tenant).firstResult()
                .onItem().ifNull().failWith(() -> ProblemException.notFound("no session " + sessionId))
                .chain(session -> streams.ofSession(sessionId, tenant)
                        .chain(rows -> TranscriptMessageEntity.<TranscriptMessageEntity>list(
                                        "sessionId = ?1 order by idx", sessionId)
                                .map(messages -> view(session, messages, rows))));
    }

    /** True when the tenant has this session. */
    @WithSession
    public Uni<Boolean> exists(String sessionId, String tenant) {
        return SessionEntity.count("sessionId = ?1 and tenant = ?2", sessionId, tenant).map(count -> count > 0);
    }

    private static SessionView view(SessionEntity session, List<TranscriptMessageEntity> messages,
            List<StreamEntity> rows) {
        List<StreamStatus> statuses = rows.stream().map(StreamStatus::of).toList();
        String current = session.activeStreamId;
        String active = statuses.stream()
                .filter(status -> status.streamId().equals(current) && status.active())
                .map(StreamStatus::streamId)
                .findFirst()
                .orElse(null);
        List<RawValue> transcript = messages.stream().map(m -> new RawValue(m.message)).toList();
        return new SessionView(session.sessionId, active, current, session.revision, transcript, statuses);
    }
}
