package dev.streamjournal.journal;

import static dev.streamjournal.support.Api.append;
import static dev.streamjournal.support.Api.createStream;
import static dev.streamjournal.support.Api.event;
import static dev.streamjournal.support.Api.id;
import static dev.streamjournal.support.Api.token;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.streamjournal.support.Db;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A statement that waits past {@code journal.database.statement-timeout} (here behind a table lock) is
 * cancelled by PostgreSQL and rolled back: the append is answered 503 {@code unavailable}, not 500,
 * nothing of it is written, and the same batch goes through once the lock is gone; batches that leave
 * together in one combined statement all fail the same way.
 */
@QuarkusTest
@TestProfile(StatementTimeoutTest.ShortTimeout.class)
class StatementTimeoutTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    public static class ShortTimeout implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("journal.database.statement-timeout", "1s");
        }
    }

    @Inject
    Db db;

    private SqlConnection holder;

    /** Holds an exclusive lock on the events table, as a long migration or a stuck transaction would. */
    private void lockEvents() {
        holder = db.pool().getConnection().await().atMost(TIMEOUT);
        holder.query("begin").execute().await().atMost(TIMEOUT);
        holder.query("lock table journal_events in access exclusive mode").execute().await().atMost(TIMEOUT);
    }

    @AfterEach
    void unlock() {
        if (holder != null) {
            holder.query("rollback").execute().await().atMost(TIMEOUT);
            holder.close().await().atMost(TIMEOUT);
            holder = null;
        }
    }

    private long events(String stream) {
        return db.scalarLong("select count(*) from journal_events where stream_id = $1", stream);
    }

    @Test
    void aContentBatchPastTheTimeout_isUnavailable_andWritesNothing() {
        String stream = id("st");
        createStream(id("s"), stream);
        List<Map<String, Object>> batch = List.of(token(1, "a"), token(2, "b"));
        lockEvents();

        append(stream, batch).statusCode(503).contentType("application/problem+json")
                .body("type", equalTo("https://stream-journal.dev/problems/unavailable"));

        unlock();
        assertThat(events(stream)).isZero();
        append(stream, batch).statusCode(200).body("appended", equalTo(2)).body("duplicates", equalTo(0));
    }

    @Test
    void aTerminalBatchPastTheTimeout_isUnavailable_andWritesNothing() {
        String stream = id("st");
        createStream(id("s"), stream);
        List<Map<String, Object>> batch = List.of(token(1, "a"), event(2, "done", Map.of()));
        lockEvents();

        append(stream, batch).statusCode(503).contentType("application/problem+json")
                .body("type", equalTo("https://stream-journal.dev/problems/unavailable"));

        unlock();
        assertThat(events(stream)).isZero();
        assertThat(db.scalarLong(
                "select count(*) from streams where stream_id = $1 and terminal_state is null", stream)).isEqualTo(1);
        append(stream, batch).statusCode(200).body("terminal", equalTo(true));
    }

    @Test
    void concurrentBatchesPastTheTimeout_areAllUnavailable_andNoneIsWritten() throws Exception {
        List<String> streams = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String stream = id("st");
            createStream(id("s"), stream);
            streams.add(stream);
        }
        lockEvents();

        // the first leaves alone; the others wait for it and leave together in one combined statement
        ExecutorService clients = Executors.newFixedThreadPool(streams.size());
        try {
            List<Future<Integer>> answers = new ArrayList<>();
            for (String stream : streams) {
                answers.add(clients.submit(() -> append(stream, List.of(token(1, "a"), token(2, "b")))
                        .extract().statusCode()));
            }
            for (Future<Integer> answer : answers) {
                assertThat(answer.get(30, TimeUnit.SECONDS)).isEqualTo(503);
            }
        } finally {
            clients.shutdownNow();
        }

        unlock();
        for (String stream : streams) {
            assertThat(events(stream)).as(stream).isZero();
        }
    }
}
