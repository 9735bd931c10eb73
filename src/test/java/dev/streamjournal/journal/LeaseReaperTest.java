package dev.streamjournal.journal;

import static dev.streamjournal.support.Api.append;
import static dev.streamjournal.support.Api.create;
import static dev.streamjournal.support.Api.createStream;
import static dev.streamjournal.support.Api.event;
import static dev.streamjournal.support.Api.id;
import static dev.streamjournal.support.Api.token;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;

import dev.streamjournal.support.Db;
import dev.streamjournal.support.SseClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.scheduler.Scheduler;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.inject.Inject;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An expired lease becomes {@code interrupted} with a synthetic {@code apperror} and the partial
 * transcript; three reapers racing interrupt each stream exactly once; a heartbeat, and a retry made
 * only of duplicates, extend the lease; a stream terminal for {@code journal.close-after} without
 * {@code stream_end} is closed (its open SSE tail settles and ends, a late {@code stream_end} is 409),
 * one younger or live is not, an interrupted one is closed by the same rule, and three racing passes
 * close each once.
 */
@QuarkusTest
class LeaseReaperTest {

    @TestHTTPResource("/")
    URI base;

    @Inject
    Db db;

    @Inject
    LeaseReaper reaper;

    @Inject
    Scheduler scheduler;

    private void awaitExpired(List<String> streams) {
        await().atMost(Duration.ofSeconds(20)).until(() -> db.scalarLong(
                "select count(*) from streams where stream_id = any($1) and lease_expires_at < now()",
                (Object) streams.toArray(String[]::new)) == streams.size());
    }

    @Test
    void expiredLease_interruptsWithSyntheticApperror_andSavesThePartialTranscript() {
        String session = id("s");
        String stream = id("st");
        create(session, Map.of("streamId", stream, "leaseSeconds", 1, "userMessage", Map.of("content", "q")))
                .statusCode(201);
        append(stream, List.of(token("half "), token("done"))).statusCode(200);
        awaitExpired(List.of(stream));

        reaper.reap().await().atMost(Duration.ofSeconds(30));

        given().get("/v1/streams/{id}/events?after=2", stream).then()
                .body("events[0].seq", equalTo(3))
                .body("events[0].type", equalTo("apperror"))
                .body("events[0].data.type", equalTo("interrupted"))
                .body("events[0].data.synthetic", equalTo(true));
        given().get("/v1/streams/{id}", stream).then()
                .body("active", equalTo(false))
                .body("journal.terminalState", equalTo("interrupted"))
                .body("journal.closed", equalTo(false));
        given().get("/v1/sessions/{id}", session).then()
                .body("messages[1].content", equalTo("half done"))
                .body("messages[1].terminalState", equalTo("interrupted"));
        given().get("/api/chat/stream/status?stream_id={id}", stream).then()
                .body("journal.terminal_state", equalTo("interrupted-by-crash"));

        // the vanished producer comes back: content is refused, its trailers still close the stream
        append(stream, List.of(token("late"))).statusCode(409).body("type", endsWith("/stream-terminal"));
        append(stream, List.of(event("stream_end", Map.of()))).statusCode(200).body("closed", equalTo(true));
    }

    @Test
    void twoReapersRacing_interruptEachExpiredStreamExactlyOnce() {
        String session = id("s");
        List<String> streams = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            String stream = id("race" + i);
            // each stream in its own session: a session has one live stream at a time
            create(session + "-" + i, Map.of("streamId", stream, "leaseSeconds", 1)).statusCode(201);
            streams.add(stream);
        }
        awaitExpired(streams);
        // the passes interrupt every expired stream in the database, other tests' included: their total
        // must equal the interruptions they logged, and this test's streams must be among them once each
        long before = db.scalarLong("select coalesce(max(id), 0) from lifecycle_log");

        List<Integer> counts = Uni.join().all(reaper.reap(), reaper.reap(), reaper.reap()).andCollectFailures()
                .await().atMost(Duration.ofSeconds(60));

        String[] ids = streams.toArray(String[]::new);
        long logged = db.scalarLong("select count(*) from lifecycle_log where kind = 'lease_expired' and id > $1", before);
        assertThat(counts.stream().mapToInt(Integer::intValue).sum()).as("streams interrupted by the racing passes %s", counts)
                .isEqualTo((int) logged).isGreaterThanOrEqualTo(streams.size());
        assertThat(db.scalarLong("select count(*) from lifecycle_log where kind = 'lease_expired' and stream_id = any($1)",
                (Object) ids)).isEqualTo(streams.size());
        List<Row> perStream = db.rows("""
                select stream_id, count(*) filter (where type = 'apperror') as synthetic, max(seq) as last
                  from journal_events where stream_id = any($1) group by stream_id""", (Object) ids);
        assertThat(perStream).hasSize(streams.size());
        assertThat(perStream).allSatisfy(row -> {
            assertThat(row.getLong("synthetic")).isEqualTo(1);
            assertThat(row.getInteger("last")).isEqualTo(1);
        });
        assertThat(db.scalarLong("select count(*) from transcript_messages where stream_id = any($1)", (Object) ids))
                .isEqualTo(streams.size());
    }

    @Test
    void heartbeat_extendsTheLease() {
        String stream = id("st");
        create(id("s"), Map.of("streamId", stream, "leaseSeconds", 30)).statusCode(201);
        db.rows("update streams set lease_expires_at = now() - interval '1 second' where stream_id = $1", stream);

        given().post("/v1/streams/{id}/heartbeat", stream).then().statusCode(204);

        assertThat(db.scalarLong("select count(*) from streams where stream_id = $1 and lease_expires_at > now() + interval '20 seconds'",
                stream)).isEqualTo(1);
        reaper.reap().await().atMost(Duration.ofSeconds(30));
        given().get("/v1/streams/{id}", stream).then().body("active", equalTo(true));
    }

    @Test
    void aRetryOfOnlyDuplicates_extendsTheLeaseToo() {
        String stream = id("st");
        create(id("s"), Map.of("streamId", stream, "leaseSeconds", 30)).statusCode(201);
        List<Map<String, Object>> batch = List.of(Map.of("seq", 1, "type", "token", "data", Map.of("text", "a")));
        given().contentType("application/json").body(Map.of("events", batch))
                .post("/v1/streams/{id}/events", stream).then().statusCode(200).body("appended", equalTo(1));
        db.rows("update streams set lease_expires_at = now() - interval '1 second' where stream_id = $1", stream);

        // the producer's only sign of life is its retry of what the journal already holds
        given().contentType("application/json").body(Map.of("events", batch))
                .post("/v1/streams/{id}/events", stream).then().statusCode(200)
                .body("appended", equalTo(0)).body("duplicates", equalTo(1));

        assertThat(db.scalarLong("select count(*) from streams where stream_id = $1 and lease_expires_at > now() + interval '20 seconds'",
                stream)).isEqualTo(1);
        reaper.reap().await().atMost(Duration.ofSeconds(30));
        given().get("/v1/streams/{id}", stream).then().body("active", equalTo(true));
    }

    /** Makes a terminal stream look terminal for {@code minutes} already. */
    private void terminalFor(String stream, int minutes) {
        db.rows("update streams set terminal_at = now() - make_interval(mins => $2) where stream_id = $1", stream, minutes);
    }

    @Test
    void aStreamTerminalForCloseAfterWithoutStreamEnd_isClosed_itsTailEnds_andALateStreamEndIsRefused() {
        String session = id("s");
        String lingering = id("st");
        create(session, Map.of("streamId", lingering, "userMessage", Map.of("content", "q"))).statusCode(201);
        append(lingering, List.of(token("answer"), event("done", Map.of()))).statusCode(200);
        String recent = id("st");
        createStream(id("s"), recent);
        append(recent, List.of(event("done", Map.of()))).statusCode(200);
        String live = id("st");
        createStream(id("s"), live);
        append(live, List.of(token("still going"))).statusCode(200);
        terminalFor(lingering, 6);
        terminalFor(recent, 4);
        db.rows("update streams set created_at = now() - interval '1 hour' where stream_id = $1", live);

        try (SseClient tail = SseClient.open(base.resolve("/v1/streams/" + lingering + "/events"), null)) {
            // the producer died after done: the tail has the settlement and waits for stream_end
            tail.await(frame -> "settlement".equals(frame.event()), Duration.ofSeconds(20));
            assertThat(tail.hasEnded()).isFalse();

            assertThat(reaper.closeLingering().await().atMost(Duration.ofSeconds(30))).isGreaterThanOrEqualTo(1);

            tail.awaitEnd(Duration.ofSeconds(20));
            assertThat(tail.frames()).filteredOn(frame -> "settlement".equals(frame.event())).hasSize(1);
        }
        given().get("/v1/streams/{id}", lingering).then()
                .body("journal.terminalState", equalTo("completed")).body("journal.closed", equalTo(true));
        given().get("/v1/streams/{id}/settlement", lingering).then()
                .body("outcome", equalTo("restored")).body("closed", equalTo(true));
        assertThat(db.rows("select state, principal, detail->>'reason' from lifecycle_log where stream_id = $1 and kind = 'closed'",
                lingering)).extracting(row -> row.getString(0) + " by " + row.getString(1) + " for " + row.getString(2))
                .containsExactly("completed by system:stream-closer for close-after");
        assertThat(db.scalarLong("select count(*) from streams where stream_id = $1 and closed_at > now() - interval '1 minute'",
                lingering)).as("retention counts the age from the close").isEqualTo(1);
        append(lingering, List.of(event("stream_end", Map.of()))).statusCode(409).body("type", endsWith("/stream-closed"));
        // younger than close-after, or not terminal: untouched
        given().get("/v1/streams/{id}", recent).then().body("journal.closed", equalTo(false));
        given().get("/v1/streams/{id}", live).then().body("active", equalTo(true)).body("journal.closed", equalTo(false));
        append(recent, List.of(event("stream_end", Map.of()))).statusCode(200).body("closed", equalTo(true));
    }

    @Test
    void anInterruptedStream_isClosedByTheSameRule_andRacingPassesCloseEachOnce() {
        List<String> streams = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String stream = id("linger" + i);
            create(id("s"), Map.of("streamId", stream, "leaseSeconds", 1)).statusCode(201);
            streams.add(stream);
        }
        awaitExpired(streams);
        reaper.reap().await().atMost(Duration.ofSeconds(30));
        String[] ids = streams.toArray(String[]::new);
        assertThat(db.scalarLong("select count(*) from streams where stream_id = any($1) and terminal_state = 'interrupted' and not closed",
                (Object) ids)).isEqualTo(streams.size());
        db.rows("update streams set terminal_at = now() - interval '6 minutes' where stream_id = any($1)", (Object) ids);

        Uni.join().all(reaper.closeLingering(), reaper.closeLingering(), reaper.closeLingering()).andCollectFailures()
                .await().atMost(Duration.ofSeconds(60));

        assertThat(db.scalarLong("select count(*) from streams where stream_id = any($1) and closed", (Object) ids))
                .isEqualTo(streams.size());
        assertThat(db.scalarLong("select count(*) from lifecycle_log where kind = 'closed' and stream_id = any($1)", (Object) ids))
                .as("one closed row per stream").isEqualTo(streams.size());
        given().get("/v1/streams/{id}/settlement", streams.get(0)).then()
                .body("outcome", equalTo("error")).body("closed", equalTo(true));
    }

    @Test
    void reaperIsScheduled() {
        assertThat(scheduler.getScheduledJobs())
                .anySatisfy(job -> assertThat(job.getMethodDescription()).contains("LeaseReaper"));
    }
}
