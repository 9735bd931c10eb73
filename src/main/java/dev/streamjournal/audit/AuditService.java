package dev.streamjournal.audit;

import dev.streamjournal.security.Caller;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** Audit queries and exports, in global order, never skipping a row that commits late. */
@ApplicationScoped
public class AuditService {

    static final int EXPORT_PAGE = 500;

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
            List<LifecycleEntry> entries = read.rows().subList(0,
                    SafePrefix.length(read.rows(), LifecycleEntry::insertedAt, read.safeBefore()));
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
                .uni(() -> safeEvents(filter, cursor.get(), EXPORT_PAGE, caller))
                .until(List::isEmpty)
                .onItem().invoke(page -> cursor.set(page.get(page.size() - 1).position()))
                .onItem().disjoint();
    }

    private Uni<List<AuditEvent>> safeEvents(AuditFilter filter, long after, int limit, Caller caller) {
        return repository.events(caller.tenant(), filter, after, limit).map(read -> read.rows().subList(0,
                SafePrefix.length(read.rows(), AuditEvent::insertedAt, read.safeBefore())));
    }
}
