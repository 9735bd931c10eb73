package dev.streamjournal.settlement;

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
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import dev.streamjournal.live.LiveHub;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Outcomes over HTTP; a long-poll answers within 100 ms of the terminal commit, answers {@code stale}
 * when a newer stream takes the session, and {@code active} at its timeout.
 */
@QuarkusTest
class SettlementTest {

    @Inject
    LiveHub hub;

    @Test
    void outcomes_overHttp() {
        String session = id("s");
        String first = id("first");
        createStream(session, first);

        given().get("/v1/streams/{id}/settlement", first).then()
                .statusCode(200)
                .body("outcome", equalTo("active"))
                .body("streamId", equalTo(first))
                .body("sessionId", equalTo(session))
                .body("currentStreamId", equalTo(first))
                .body("transcript", nullValue())
                .body("decidedAt", notNullValue());

        append(first, List.of(token("partial"), event("apperror", Map.of("message", "model overloaded")))).statusCode(200);
        given().get("/v1/streams/{id}/settlement", first).then()
                .body("outcome", equalTo("error"))
                .body("terminalState", equalTo("errored"))
                .body("error.message", equalTo("model overloaded"))
                .body("transcript.messages", hasSize(2))
                .body("transcript.messages[1].content", equalTo("partial"));

        String second = id("second");
        createStream(session, second);
        append(second, List.of(token("fine"), event("done", Map.of()))).statusCode(200);
        given().get("/v1/streams/{id}/settlement", second).then()
                .body("outcome", equalTo("restored"))
                .body("terminalState", equalTo("completed"))
                .body("lastSeq", equalTo(2))
                .body("transcript.revision", equalTo(4))
                .body("transcript.messages.role", equalTo(List.of("user", "assistant")))
                .body("transcript.messages[1].content", equalTo("fine"));

        given().get("/v1/streams/{id}/settlement", first).then()
                .body("outcome", equalTo("stale"))
                .body("currentStreamId", equalTo(second));
        given().get("/v1/streams/{id}/settlement", id("never")).then()
                .statusCode(200)
                .body("outcome", equalTo("missing"))
                .body("sessionId", nullValue());
    }

    @Test
    void longPoll_onAnActiveStream_answersAtTheTerminalCommit() {
        String session = id("s");
        String stream = id("st");
        createStream(session, stream);
        CompletableFuture<Response> answer = CompletableFuture.supplyAsync(
                () -> given().get("/v1/streams/{id}/settlement?wait=30", stream));
        // the held settlement is the only one here to follow its session
        await().atMost(Duration.ofSeconds(10)).until(() -> hub.follows(session));

        append(stream, List.of(event("done", Map.of()))).statusCode(200);
        long committed = System.nanoTime();

        Response response = answer.join();
        long answered = System.nanoTime();
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.jsonPath().getString("outcome")).isEqualTo("restored");
        // woken by the commit, not answered at the end of its 30 s wait (the margin is for a loaded machine)
        assertThat(Duration.ofNanos(answered - committed)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void longPoll_answersStale_whenANewerStreamTakesTheSession() {
        String session = id("s");
        String old = id("old");
        createStream(session, old);
        CompletableFuture<Response> answer = CompletableFuture.supplyAsync(
                () -> given().get("/v1/streams/{id}/settlement?wait=30", old));
        await().atMost(Duration.ofSeconds(10)).until(() -> hub.follows(session));

        String next = id("next");
        create(session, Map.of("streamId", next, "onActive", "interrupt")).statusCode(201);

        Response response = answer.join();
        assertThat(response.jsonPath().getString("outcome")).isEqualTo("stale");
        assertThat(response.jsonPath().getString("currentStreamId")).isEqualTo(next);
        assertThat(response.jsonPath().getString("terminalState")).isEqualTo("superseded");
    }

    @Test
    void longPoll_answersActive_atItsTimeout_whenNothingHappens() {
        String stream = id("st");
        createStream(id("s"), stream);
        long start = System.nanoTime();
        given().get("/v1/streams/{id}/settlement?wait=1", stream).then()
                .statusCode(200).body("outcome", equalTo("active"));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(1000));
    }

    @Test
    void longPoll_onASettledStream_answersAtOnce() {
        String stream = id("st");
        createStream(id("s"), stream);
        append(stream, List.of(event("cancel", Map.of()))).statusCode(200);
        given().get("/v1/streams/{id}/settlement?wait=60", stream).then()
                .statusCode(200).body("outcome", equalTo("restored")).body("terminalState", equalTo("cancelled"));
    }

    @Test
    void badWaitAndIds_are400() {
        for (String wait : List.of("-1", "61", "abc", "1.5", "99999999999")) {
            given().get("/v1/streams/x/settlement?wait=" + wait).then()
                    .statusCode(400).contentType("application/problem+json")
                    .body("type", equalTo("https://stream-journal.dev/problems/invalid-request"));
        }
        given().urlEncodingEnabled(false).get("/v1/streams/a%20b/settlement").then()
                .statusCode(400).body("type", equalTo("https://stream-journal.dev/problems/invalid-id"));
    }
}
