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
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import dev.streamjournal.support.Db;
import dev.streamjournal.support.SseClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A reader's stop request ({@code POST /v1/streams/{id}/stop}): written once with its principal, carried
 * by every later append and heartbeat answer, honoured by a producer that cancels, enforced on a silent
 * one after {@code journal.stop-grace} (3 s in tests) with a synthetic {@code cancel} and the partial
 * transcript, which ends the open tails; 409 on a terminal stream; bad inputs write nothing.
 */
@QuarkusTest
class StopTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @TestHTTPResource("/")
    URI base;

    @Inject
    Db db;

    @Inject
    LeaseReaper reaper;

    @Test
    void aStopRequest_isWrittenOnce_andCarriedByAppendAndHeartbeatAnswers_untilTheProducerCancels() {
        String session = id("s");
        String stream = id("st");
        createStream(session, stream);
        append(stream, List.of(token("a"))).statusCode(200).body("stopRequested", equalTo(false));
        given().post("/v1/streams/{id}/heartbeat", stream).then().statusCode(204);

        String at = given().post("/v1/streams/{id}/stop", stream).then().statusCode(202)
                .body("streamId", equalTo(stream))
                .body("stopRequested", equalTo(true))
                .body("stopDeadline", notNullValue())
                .extract().path("stopRequestedAt");
        given().post("/v1/streams/{id}/stop", stream).then().statusCode(202).body("stopRequestedAt", equalTo(at));
        assertThat(db.scalarLong("select count(*) from lifecycle_log where stream_id = $1 and kind = 'stop_requested'"
                + " and principal is not null", stream)).isEqualTo(1);

        append(stream, List.of(token("b"))).statusCode(200).body("stopRequested", equalTo(true));
        append(stream, List.of(event(2, "token", Map.of("text", "b")))).statusCode(200)
                .body("duplicates", equalTo(1)).body("stopRequested", equalTo(true));
        given().post("/v1/streams/{id}/heartbeat", stream).then().statusCode(200)
                .body("streamId", equalTo(stream)).body("stopRequested", equalTo(true));

        append(stream, List.of(event("cancel", Map.of("reason", "stop requested")))).statusCode(200)
                .body("terminalState", equalTo("cancelled")).body("stopRequested", equalTo(false));
        given().post("/v1/streams/{id}/stop", stream).then().statusCode(409)
                .contentType("application/problem+json")
                .body("type", equalTo("https://stream-journal.dev/problems/stream-terminal"))
                .body("terminalState", equalTo("cancelled"));
        given().get("/v1/sessions/{id}", session).then().body("messages[1].content", equalTo("ab"));
    }

    @Test
    void aProducerThatDoesNotStop_isEndedCancelledAfterTheGrace_andTheTailsSettle() {
        String session = id("s");
        String stream = id("st");
        createStream(session, stream);
        append(stream, List.of(token("partial"))).statusCode(200);
        try (SseClient tail = SseClient.open(base.resolve("/v1/streams/" + stream + "/events"), null);
                SseClient ui = SseClient.open(base.resolve("/v1/streams/" + stream + "/ui-stream"), null)) {
            tail.await(frame -> "token".equals(frame.event()), WAIT);
            given().post("/v1/streams/{id}/stop", stream).then().statusCode(202);
            assertThat(reaper.endStopped().await().atMost(WAIT)).as("ended before the grace").isZero();

            await().atMost(WAIT).until(() -> reaper.endStopped().await().atMost(WAIT) == 1);

            tail.await(frame -> "settlement".equals(frame.event()), WAIT);
            ui.awaitEnd(WAIT);
            assertThat(ui.frames().stream().map(SseClient.Frame::data).filter(d -> d != null).toList())
                    .endsWith("{\"type\":\"abort\",\"reason\":\"stop-grace\"}", "{\"type\":\"finish\"}", "[DONE]");
        }
        given().get("/v1/streams/{id}/events?after=1", stream).then()
                .body("events[0].type", equalTo("cancel"))
                .body("events[0].data.synthetic", equalTo(true))
                .body("events[0].data.reason", equalTo("stop-grace"));
        given().get("/v1/streams/{id}/settlement", stream).then()
                .body("outcome", equalTo("restored"))
                .body("terminalState", equalTo("cancelled"))
                .body("transcript.messages[1].content", equalTo("partial"));
        assertThat(db.scalarLong("select count(*) from lifecycle_log where stream_id = $1 and kind = 'terminal'"
                + " and principal = 'system:stop-grace'", stream)).isEqualTo(1);
        assertThat(reaper.endStopped().await().atMost(WAIT)).isZero();
    }

    @Test
    void badInputs_areProblems_andWriteNothing() {
        Map<String, Long> before = db.rowCounts();
        given().post("/v1/streams/{id}/stop", "not an id").then().statusCode(400)
                .contentType("application/problem+json");
        given().post("/v1/streams/{id}/stop", id("st")).then().statusCode(404)
                .body("type", equalTo("https://stream-journal.dev/problems/not-found"));
        assertThat(db.rowCounts()).isEqualTo(before);
    }
}
