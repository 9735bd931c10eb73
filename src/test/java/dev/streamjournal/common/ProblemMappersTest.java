package dev.streamjournal.common;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.VertxException;
import io.vertx.core.impl.NoStackTraceThrowable;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import java.net.ConnectException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** Which failures are the database being unavailable (503), and which are bugs (500). */
class ProblemMappersTest {

    @Test
    void unreachableOrOverloadedDatabase_isInfrastructure() {
        assertThat(ProblemMappers.isInfrastructure(new ConnectException("Connection refused"))).isTrue();
        assertThat(ProblemMappers.isInfrastructure(new CompletionException(ClosedConnectionException.INSTANCE))).isTrue();
        assertThat(ProblemMappers.isInfrastructure(new PgException("admin shutdown", "FATAL", "57P01", null))).isTrue();
        assertThat(ProblemMappers.isInfrastructure(new PgException("too many", "FATAL", "53300", null))).isTrue();
        assertThat(ProblemMappers.isInfrastructure(new PgException("deadlock", "ERROR", "40P01", null))).isTrue();
        assertThat(ProblemMappers.isInfrastructure(new PgException("read-only", "ERROR", "25006", null))).isTrue();
        assertThat(ProblemMappers.isInfrastructure(checkViolation("journal_events_written_promptly"))).isTrue();
        // what the SQL client fails a command with when its connection closed before the command was sent
        assertThat(ProblemMappers.isInfrastructure(new VertxException(
                "Pending requests failed to be sent due to connection has been closed.", null))).isTrue();
        assertThat(ProblemMappers.isInfrastructure(new NoStackTraceThrowable(
                "Connection is not active now, current status: CLOSED"))).isTrue();
    }

    @Test
    void aStatementCancelledAtItsTimeout_orUnansweredPastIt_isInfrastructure() {
        assertThat(ProblemMappers.isInfrastructure(new PgException("canceling statement due to statement timeout",
                "ERROR", "57014", null))).isTrue();
        // Mutiny's ifNoItem().after(...).fail() raises its own TimeoutException, not java.util.concurrent's
        assertThat(ProblemMappers.isInfrastructure(new io.smallrye.mutiny.TimeoutException())).isTrue();
    }

    @Test
    void programmingErrors_areNotInfrastructure() {
        assertThat(ProblemMappers.isInfrastructure(new IllegalStateException("bug"))).isFalse();
        assertThat(ProblemMappers.isInfrastructure(new PgException("syntax", "ERROR", "42601", null))).isFalse();
        assertThat(ProblemMappers.isInfrastructure(new PgException("unique", "ERROR", "23505", null))).isFalse();
        assertThat(ProblemMappers.isInfrastructure(checkViolation("streams_lease_seconds_check"))).isFalse();
    }

    @Test
    void aConstraint_isNamedByItsField_orByACitusWorkersMessage_withoutTheShardSuffix() {
        assertThat(ProblemMappers.constraint(checkViolation("journal_events_written_promptly")))
                .isEqualTo("journal_events_written_promptly");
        // Citus passes a worker's message on without the constraint field, naming the shard's constraint
        assertThat(ProblemMappers.constraint(new PgException(
                "duplicate key value violates unique constraint \"stream_sessions_pkey_102036\"", "ERROR", "23505", null)))
                .isEqualTo("stream_sessions_pkey");
        assertThat(ProblemMappers.isInfrastructure(new PgException(
                "new row for relation \"journal_events_102008\" violates check constraint "
                        + "\"journal_events_written_promptly_102008\"", "ERROR", "23514", null))).isTrue();
        assertThat(ProblemMappers.constraint(new PgException("syntax error", "ERROR", "42601", null))).isNull();
    }

    /** A check constraint's violation as PostgreSQL reports it, naming the constraint. */
    private static PgException checkViolation(String constraint) {
        return new PgException("violates check constraint", "ERROR", "23514", null, null, null, null, null, null,
                null, null, null, "public", "journal_events", null, null, constraint);
    }
}
