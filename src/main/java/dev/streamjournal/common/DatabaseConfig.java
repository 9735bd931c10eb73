package dev.streamjournal.common;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** How the service uses its PostgreSQL ({@code journal.database.*}). */
@ConfigMapping(prefix = "journal.database")
public interface DatabaseConfig {

    /**
     * Longest one statement may run, waits for locks included. PostgreSQL cancels a statement that
     * runs longer and rolls it back ({@code statement_timeout} of every pooled connection), and its
     * request is answered 503 {@code unavailable}, having written nothing. {@code 0} turns it off.
     * It bounds every statement of the service, also those that grow with a stream or a session:
     * the terminal event reads the stream's content events to assemble its message, retention
     * empties or deletes a stream's events in one statement, a session read gathers its transcript.
     */
    @WithDefault("10s")
    Duration statementTimeout();

    /**
     * How long past the statement timeout the service still waits for PostgreSQL to answer a
     * combined append statement; empty when the timeout is off. A statement unanswered by then (the
     * connection hangs) fails with 503 {@code unavailable}; its outcome is unknown, so an append is
     * retried safely only with explicit seqs.
     */
    default Optional<Duration> unansweredAfter() {
        return statementTimeout().isZero() ? Optional.empty() : Optional.of(statementTimeout().plusSeconds(5));
    }
}
