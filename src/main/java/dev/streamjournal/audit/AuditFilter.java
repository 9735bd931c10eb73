package dev.streamjournal.audit;

import java.time.OffsetDateTime;

/** Optional filters of an audit query; {@code from} is inclusive, {@code to} exclusive. */
public record AuditFilter(String sessionId, String streamId, String type, OffsetDateTime from, OffsetDateTime to) {
}
