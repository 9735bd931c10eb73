package dev.streamjournal.common;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How the service uses its PostgreSQL ({@code journal.database.*}). */
@ConfigMapping(prefix = "journal.database")
public interface DatabaseConfig {

    /**
     * Longest one statement may run, waits for locks included. PostgreSQL cancels a statement that
     * runs longer and rolls it back ({@code statement_timeout} of every pooled connection), and its
     * request is answered 503 {@code unavailable}, having written nothing.
     */
    @WithDefault("10s")
    Duration statementTimeout();

    /**
     * How long past the statement timeout the service still waits for PostgreSQL to answer. A
     * statement unanswered by then (the connection hangs) fails with 503 {@code unavailable}; its
     * outcome is unknown, so an append is retried safely only with explicit seqs.
     */
    default Duration unansweredAfter() {
        return statementTimeout().plusSeconds(5);
    }
}
