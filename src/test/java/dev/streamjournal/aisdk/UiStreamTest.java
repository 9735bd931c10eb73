package dev.streamjournal.aisdk;

import static dev.streamjournal.support.Api.append;
import static dev.streamjournal.support.Api.appendRaw;
import static dev.streamjournal.support.Api.create;
import static dev.streamjournal.support.Api.createStream;
import static dev.streamjournal.support.Api.event;
import static dev.streamjournal.support.Api.id;
import static dev.streamjournal.support.Api.token;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.streamjournal.support.Db;
import dev.streamjournal.support.SseClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The AI SDK endpoints over real HTTP: a stream's UI message stream (headers, the chunks, the same
 * bytes on every replay, live to its end, a stale stream ended {@code interrupted} without the newer
 * turn), the resume request's three answers and the race it closes, the transcript as UIMessages, and
 * their bad inputs, which write nothing.
 */
@QuarkusTest
class UiStreamTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @TestHTTPResource("/")
    URI base;

    @Inject
    Db db;

    /** The data lines of a finished UI message stream. */
    private static List<String> data(String body) {
        return Arrays.stream(body.split("\n")).filter(line -> line.startsWith("data: "))
                .map(line -> line.substring("data: ".length())).toList();
    }

    @Test
    void aFinishedStream_isReplayedFromItsFirstEvent_withTheSameBytesEachTime() {
        String session = id("s");
        String stream = id("st");
        createStream(session, stream);
        append(stream, List.of(token("Hel"), token("lo"), event("done"), event("metering", Map.of("n", 1)),
                event("stream_end"))).statusCode(200);

        Response first = given().get("/v1/streams/{id}/ui-stream", stream);
        first.then().statusCode(200)
                .header("Content-Type", equalTo("text/event-stream"))
                .header("Cache-Control", equalTo("no-cache"))
                .header("x-vercel-ai-ui-message-stream", equalTo("v1"))
                .header("X-Accel-Buffering", equalTo("no"));
        assertThat(data(first.asString())).containsExactly(
                "{\"type\":\"start\",\"messageId\":\"" + stream + "\"}",
                "{\"type\":\"text-start\",\"id\":\"text-1\"}",
                "{\"type\":\"text-delta\",\"id\":\"text-1\",\"delta\":\"Hel\"}",
                "{\"type\":\"text-delta\",\"id\":\"text-1\",\"delta\":\"lo\"}",
                "{\"type\":\"text-end\",\"id\":\"text-1\"}",
                "{\"type\":\"finish\",\"finishReason\":\"stop\"}",
                "[DONE]");
        assertThat(given().get("/v1/streams/{id}/ui-stream", stream).asString()).isEqualTo(first.asString());
    }

    @Test
    void aLiveStream_isFollowedToItsTerminalEvent_andEndsThere() {
        String session = id("s");
        String stream = id("st");
        createStream(session, stream);
        append(stream, List.of(token("a"))).statusCode(200);
        try (SseClient ui = SseClient.open(base.resolve("/v1/streams/" + stream + "/ui-stream"), null)) {
            ui.await(frame -> frame.data() != null && frame.data().contains("\"delta\":\"a\""), WAIT);
            assertThat(ui.hasEnded()).isFalse();
            append(stream, List.of(token("b"), event("cancel", Map.of("reason", "user")))).statusCode(200);
            ui.awaitEnd(WAIT);
            assertThat(ui.frames().stream().map(SseClient.Frame::data).filter(d -> d != null).toList()).endsWith(
                    "{\"type\":\"text-delta\",\"id\":\"text-1\",\"delta\":\"b\"}",
                    "{\"type\":\"text-end\",\"id\":\"text-1\"}",
                    "{\"type\":\"abort\",\"reason\":\"user\"}",
                    "{\"type\":\"finish\"}",
                    "[DONE]");
        }
    }

    @Test
    void aSupersededStream_endsInterrupted_andNeverShowsTheNewerTurn() {
        String session = id("s");
        String old = id("st");
        String newer = id("st");
        createStream(session, old);
        append(old, List.of(token("old"))).statusCode(200);
        try (SseClient ui = SseClient.open(base.resolve("/v1/streams/" + old + "/ui-stream"), null)) {
            ui.await(frame -> frame.data() != null && frame.data().contains("old"), WAIT);
            create(session, Map.of("streamId", newer, "onActive", "interrupt")).statusCode(201);
            append(newer, List.of(token("NEW"))).statusCode(200);
            ui.awaitEnd(WAIT);
            List<String> data = ui.frames().stream().map(SseClient.Frame::data).filter(d -> d != null).toList();
            assertThat(data).endsWith("{\"type\":\"finish\",\"finishReason\":\"interrupted\"}", "[DONE]");
            assertThat(String.join("\n", data)).doesNotContain("NEW");
        }
        assertThat(data(given().get("/v1/streams/{id}/ui-stream", old).asString()))
                .endsWith("{\"type\":\"finish\",\"finishReason\":\"interrupted\"}", "[DONE]");
    }

    @Test
    void theResumeRequest_replaysTheLiveStream_orTheOneThatEndedSinceThePagesRevision_elseAnswers204() {
        String session = id("s");
        String stream = id("st");
        createStream(session, stream);
        append(stream, List.of(token("part"))).statusCode(200);
        int seen = given().get("/v1/sessions/{id}/ui-messages", session).then().statusCode(200)
                .body("activeStreamId", equalTo(stream))
                .body("messages.size()", equalTo(2))
                .body("messages[1].id", equalTo(stream))
                .body("messages[1].parts[0].text", equalTo("part"))
                .body("messages[1].parts[0].state", equalTo("streaming"))
                .extract().path("revision");

        try (SseClient live = SseClient.open(base.resolve("/v1/sessions/" + session + "/ui-stream?revision=" + seen), null)) {
            live.await(frame -> frame.data() != null && frame.data().contains("part"), WAIT);
            assertThat(live.status()).isEqualTo(200);
            assertThat(live.header("x-vercel-ai-ui-message-stream")).isEqualTo("v1");
        }

        // the stream ends between the page's read of the transcript and its resume request
        append(stream, List.of(token(" done"), event("done"))).statusCode(200);
        assertThat(data(given().get("/v1/sessions/{id}/ui-stream?revision={r}", session, seen).then().statusCode(200)
                .extract().asString())).contains("{\"type\":\"text-delta\",\"id\":\"text-1\",\"delta\":\" done\"}")
                .endsWith("{\"type\":\"finish\",\"finishReason\":\"stop\"}", "[DONE]");

        int now = given().get("/v1/sessions/{id}/ui-messages", session).then().statusCode(200)
                .body("activeStreamId", equalTo(null))
                .body("messages[1].parts[0].text", equalTo("part done"))
                .body("messages[1].parts[0].state", equalTo("done"))
                .extract().path("revision");
        assertThat(now).isGreaterThan(seen);
        given().get("/v1/sessions/{id}/ui-stream?revision={r}", session, now).then().statusCode(204);
        given().get("/v1/sessions/{id}/ui-stream", session).then().statusCode(204);
    }

    @Test
    void uiMessages_giveTheUserMessageAsGiven_andTheAssistantPartsOfTheReplay() {
        String session = id("s");
        String stream = id("st");
        create(session, Map.of("streamId", stream, "userMessage", Map.of("content", "hi", "id", "u1",
                "parts", List.of(Map.of("type", "text", "text", "hi"))))).statusCode(201);
        append(stream, List.of(event("reasoning", Map.of("text", "hm")), token("yes"),
                event("tool", Map.of("id", "c1", "name", "calc", "args", Map.of("x", 1))),
                event("tool_complete", Map.of("id", "c1", "result", 2)), event("done"))).statusCode(200);

        given().get("/v1/sessions/{id}/ui-messages", session).then().statusCode(200)
                .body("sessionId", equalTo(session))
                .body("messages[0].id", equalTo("u1"))
                .body("messages[0].role", equalTo("user"))
                .body("messages[0].parts[0].text", equalTo("hi"))
                .body("messages[1].role", equalTo("assistant"))
                .body("messages[1].parts.type", equalTo(List.of("reasoning", "text", "tool-calc")))
                .body("messages[1].parts[2].state", equalTo("output-available"))
                .body("messages[1].parts[2].input.x", equalTo(1))
                .body("messages[1].parts[2].output", equalTo(2));
    }

    @Test
    void badInputs_areProblems_andWriteNothing() {
        String session = id("s");
        String stream = id("st");
        createStream(session, stream);
        Map<String, Long> before = db.rowCounts();

        given().get("/v1/streams/{id}/ui-stream", "no such stream").then().statusCode(400)
                .contentType("application/problem+json");
        given().get("/v1/streams/{id}/ui-stream", id("st")).then().statusCode(404)
                .body("type", equalTo("https://stream-journal.dev/problems/not-found"));
        // a new chat has no session yet: nothing to resume, as the AI SDK expects of a new chat
        given().get("/v1/sessions/{id}/ui-stream", id("s")).then().statusCode(204);
        given().get("/v1/sessions/{id}/ui-stream", "a b").then().statusCode(400)
                .contentType("application/problem+json");
        given().get("/v1/sessions/{id}/ui-messages", id("s")).then().statusCode(404)
                .body("type", equalTo("https://stream-journal.dev/problems/not-found"));
        given().get("/v1/sessions/{id}/ui-messages", "a b").then().statusCode(400)
                .contentType("application/problem+json");
        for (String revision : List.of("x", "-1", "01", "1.5", "99999999999999999999")) {
            given().get("/v1/sessions/{id}/ui-stream?revision={r}", session, revision).then().statusCode(400)
                    .contentType("application/problem+json")
                    .body("type", equalTo("https://stream-journal.dev/problems/invalid-request"));
        }
        for (String chunk : List.of("{}", "{\"type\":1}", "{\"type\":\"start\",\"messageId\":\"x\"}",
                "{\"type\":\"finish\"}", "{\"type\":\"abort\"}", "{\"type\":\"error\",\"errorText\":\"e\"}",
                "{\"type\":\"no-such-chunk\"}", "{\"type\":\"data-\"}", "{\"type\":\"text-delta\",\"id\":\"a\"}",
                "{\"type\":\"tool-input-start\",\"toolCallId\":\"c\"}",
                "{\"type\":\"tool-approval-response\",\"approvalId\":\"a\",\"approved\":\"yes\"}")) {
            appendRaw(stream, "{\"events\":[{\"type\":\"x-ai-sdk\",\"data\":" + chunk + "}]}").statusCode(400)
                    .contentType("application/problem+json")
                    .body("type", equalTo("https://stream-journal.dev/problems/invalid-event"));
        }
        assertThat(db.rowCounts()).isEqualTo(before);

        appendRaw(stream, "{\"events\":[{\"type\":\"x-ai-sdk\",\"data\":{\"type\":\"data-weather\",\"data\":{\"t\":1}}}]}")
                .statusCode(200);
    }

    @Test
    void aHead_getsTheHeaders_andEnds() {
        String session = id("s");
        String stream = id("st");
        createStream(session, stream);
        given().head("/v1/streams/{id}/ui-stream", stream).then().statusCode(200)
                .header("x-vercel-ai-ui-message-stream", equalTo("v1"));
        given().head("/v1/sessions/{id}/ui-stream", session).then().statusCode(200);
    }
}
