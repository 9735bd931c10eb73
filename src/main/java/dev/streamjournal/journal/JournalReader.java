package dev.streamjournal.journal;

import dev.streamjournal.common.ProblemException;
import dev.streamjournal.security.Caller;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

/** Reads a stream's journal in seq order, for pages now and for replays of live tails. */
@ApplicationScoped
public class JournalReader {

    private final Pool pool;
    private final JournalRepository journal;
    private final StreamDirectory directory;

    public JournalReader(Pool pool, JournalRepository journal, StreamDirectory directory) {
        this.pool = pool;
        this.journal = journal;
        this.directory = directory;
    }

    /** Up to {@code limit} events of the tenant's stream after {@code afterSeq}, in seq order. */
    public Uni<List<JournalEvent>> after(String streamId, String tenant, int afterSeq, int limit) {
        return directory.sessionOf(streamId).chain(session -> session == null ? Uni.createFrom().item(List.of())
                : journal.page(pool, session, streamId, tenant, afterSeq, limit));
    }

    /** Up to {@code limit} events and about {@code maxBytes} of data (at least one event) after {@code afterSeq}. */
    public Uni<List<JournalEvent>> after(String streamId, String tenant, int afterSeq, int limit, long maxBytes) {
        return directory.sessionOf(streamId).chain(session -> session == null ? Uni.createFrom().item(List.of())
                : journal.boundedPage(pool, session, streamId, tenant, afterSeq, limit, maxBytes));
    }

    /** The stream ids of a session of the tenant, in creation order. */
    public Uni<List<String>> streamIdsOfSession(String sessionId, String tenant) {
        return journal.streamIdsOfSession(pool, sessionId, tenant);
    }

    /** Up to {@code limit} events after {@code afterSeq}; {@code next} is set when more follow. */
    public Uni<EventPage> page(String streamId, int afterSeq, int limit, Caller caller) {
        return directory.sessionOf(streamId)
                .chain(session -> session == null ? Uni.createFrom().<List<JournalEvent>>nullItem()
                        : journal.tenantPage(pool, session, streamId, caller.tenant(), afterSeq, limit + 1))
                .onItem().ifNull().failWith(() -> ProblemException.notFound("no stream " + streamId))
                .map(events -> events.size() > limit
                        ? new EventPage(events.subList(0, limit), events.get(limit - 1).seq())
                        : new EventPage(events, null));
    }
}
