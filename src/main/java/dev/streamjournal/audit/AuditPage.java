package dev.streamjournal.audit;

import java.util.List;

/** Audit pages: {@code next} is the cursor to pass as {@code after}; a page shorter than the limit is the tail. */
public final class AuditPage {

    private AuditPage() {
    }

    public record Events(List<AuditEvent> events, String next) {
    }

    public record Lifecycle(List<LifecycleEntry> entries, String next) {
    }
}
