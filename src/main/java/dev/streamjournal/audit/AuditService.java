package dev.streamjournal.audit;

import dev.streamjournal.security.Caller;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** Audit queries and exports, in global order, never skipping a row that commits late. */
@ApplicationScoped
public class AuditService {

    static final int EXPORT_PAGE = 500;
    static final Duration HELD_EXPORT_WAIT = Duration.ofSeconds(30);
    static final Duration HELD_RETRY = Duration.ofMillis(50);

    private final AuditRepository repository;

    public AuditService(AuditRepository repository) {
        this.repository = repository;
    }

    public Uni<AuditPage.Events> events(AuditFilter filter, long after, int limit, Caller caller) {
        return safeEvents(filter, after, limit, caller).map(events -> new AuditPage.Events(events,
                AuditCursor.encode(events.isEmpty() ? after : events.get(events.size() - 1).position())));
    }

    public Uni<AuditPage.Lifecycle> lifecycle(AuditFilter filter, long after, int limit, Caller caller) {
        return repository.lifecycle(caller.tenant(), filter, after, limit).map(read -> {
            List<LifecycleEntry> entries = read.safeRows(LifecycleEntry::insertedAt);
            return new AuditPage.Lifecycle(entries,
                    AuditCursor.encode(entries.isEmpty() ? after : entries.get(entries.size() - 1).id()));
        });
    }

    /**
     * The whole selection after {@code after}, page by page as the connection asks for more, up to the
     * safe tail: memory holds one page whatever the size of the selection.
     */
    public Multi<AuditEvent> exportEvents(AuditFilter filter, long after, Caller caller) {
        AtomicLong cursor = new AtomicLong(after);
        return Multi.createBy().repeating()
                .uni(() -> exportPage(filter, cursor.get(), caller, System.nanoTime() + HELD_EXPORT_WAIT.toNanos()))
                .until(List::isEmpty)
                .onItem().invoke(page -> cursor.set(page.get(page.size() - 1).position()))
                .onItem().disjoint();
    }

    /**
     * An export page; while the tail is held by a writer whose start is unknown (another role's short
     * transaction, see {@link AuditRepository#SAFE_BEFORE}), the page is read again rather than taken as
     * the end of the selection, for up to {@link #HELD_EXPORT_WAIT}.
     */
    private Uni<List<AuditEvent>> exportPage(AuditFilter filter, long after, Caller caller, long deadline) {
        return repository.events(caller.tenant(), filter, after, EXPORT_PAGE).chain(read -> {
            List<AuditEvent> safe = read.safeRows(AuditEvent::insertedAt);
            if (safe.isEmpty() && read.held() && !read.rows().isEmpty() && System.nanoTime() < deadline) {
                return Uni.createFrom().voidItem().onItem().delayIt().by(HELD_RETRY)
                        .chain(() -> exportPage(filter, after, caller, deadline));
            }
            return Uni.createFrom().item(safe);
        });
    }

    private Uni<List<AuditEvent>> safeEvents(AuditFilter filter, long after, int limit, Caller caller) {
        return repository.events(caller.tenant(), filter, after, limit).map(read -> read.safeRows(AuditEvent::insertedAt));
    }
}
