package dev.streamjournal.live;

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

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamjournal.support.Db;
import dev.streamjournal.support.SocketMessages;
import dev.streamjournal.support.SseClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** One connection for every stream of a session, over SSE and over WebSocket. */
@QuarkusTest
class SessionChannelTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TestHTTPResource("/")
    URI base;

    @Inject
    LiveHub hub;

    @Inject
    ChangeSweep sweep;

    @Inject
    Db db;

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(text, e);
        }
    }

    private URI channel(String session) {
        return base.resolve("/v1/sessions/" + session + "/events");
    }

    /** Frame ids name the stream whose event they carry; the id's seq is the event's seq. */
    private static void assertIdsMatchTheirEvents(List<SseClient.Frame> frames) {
        assertThat(frames).allSatisfy(frame -> {
            int colon = frame.id().lastIndexOf(':');
            JsonNode data = json(frame.data());
            assertThat(data.path("streamId").asText()).isEqualTo(frame.id().substring(0, colon));
            assertThat(data.path("seq").asInt()).isEqualTo(Integer.parseInt(frame.id().substring(colon + 1)));
        });
    }

    /**
     * A HEAD of a live channel gets the channel's headers and a response that ends: one that streamed
     * on would hold its keep-alive connection, and the next request on it would never be answered.
     */
    @Test
    void aHead_ofEitherLiveChannel_endsAndFreesItsConnectionForTheNextRequest() throws Exception {
        String session = id("s");
        String stream = id("st");
        createStream(session, stream);
        // one connection for all: each request waits for the one before it to end
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<HttpRequest> requests = List.of(
                HttpRequest.newBuilder(channel(session)).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                HttpRequest.newBuilder(base.resolve("/v1/streams/" + stream + "/events"))
                        .header("Accept", "text/event-stream").method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                HttpRequest.newBuilder(base.resolve("/v1/sessions/" + session)).GET().build());
        List<Integer> statuses = new ArrayList<>();
        for (HttpRequest request : requests) {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(request, (name, value) -> true)
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            statuses.add(response.statusCode());
            if (request.method().equals("HEAD")) {
                assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                        type -> assertThat(type).startsWith("text/event-stream"));
            }
        }
        assertThat(statuses).containsExactly(200, 200, 200);
    }

    @Test
    void aNewStreamRestartingAtSeq1_isNotHidden_andOldLateEventsStayTheOldStreams() {
        String session = id("s");
        String old = id("old");
        String next = id("next");
        createStream(session, old);
        append(old, List.of(token("o1"), token("o2"), token("o3"))).statusCode(200);

        try (SseClient client = SseClient.open(channel(session), null)) {
            client.await(f -> (old + ":3").equals(f.id()), TIMEOUT);
            append(old, List.of(event("done", Map.of()))).statusCode(200);
            create(session, Map.of("streamId", next, "userMessage", Map.of("content", "q2"))).statusCode(201);
            append(next, List.of(token("n1"))).statusCode(200);
            append(old, List.of(event("title", Map.of("title", "late trailer of the old stream")))).statusCode(200);
            append(next, List.of(token("n2"), event("done", Map.of()), event("stream_end", Map.of()))).statusCode(200);

            client.await(f -> (next + ":4").equals(f.id()), TIMEOUT);
            List<String> ids = client.journalFrames().stream().map(SseClient.Frame::id).toList();
            assertThat(ids).containsSubsequence(old + ":1", old + ":2", old + ":3", old + ":4");
            assertThat(ids).containsSubsequence(next + ":1", next + ":2", next + ":3", next + ":4");
            assertIdsMatchTheirEvents(client.journalFrames());
            assertThat(client.events("stream_started")).extracting(SseClient.Frame::id)
                    .containsExactly(old + ":0", next + ":0");
            await().atMost(TIMEOUT).until(() -> client.events("settlement").stream()
                    .anyMatch(f -> json(f.data()).path("streamId").asText().equals(next)));
            assertThat(client.events("settlement")).extracting(f -> json(f.data()).path("streamId").asText() + " "
                    + json(f.data()).path("outcome").asText())
                    .contains(old + " restored", next + " restored");
            assertThat(client.hasEnded()).isFalse();
        }
    }

    @Test
    void resumeWithLastEventId_continuesThatStreamAndEveryLaterOne_untilItIsStale() {
        String session = id("s");
        String first = id("first");
        String second = id("second");
        createStream(session, first);
        append(first, List.of(token("a"), token("b"), event("done", Map.of()), event("stream_end", Map.of())))
                .statusCode(200);
        createStream(session, second);
        append(second, List.of(token("c"), token("d"))).statusCode(200);

        try (SseClient client = SseClient.open(channel(session), first + ":2")) {
            client.await(f -> (second + ":2").equals(f.id()), TIMEOUT);
            List<String> ids = client.journalFrames().stream().map(SseClient.Frame::id).toList();
            // the first stream settles stale right after its terminal event (the second took the session),
            // so its stream_end is not sent: stale beats everything
            assertThat(ids).containsExactly(first + ":3", second + ":1", second + ":2");
            assertThat(client.events("settlement")).extracting(f -> json(f.data()).path("outcome").asText())
                    .first().isEqualTo("stale");
            assertThat(client.events("stream_started")).extracting(SseClient.Frame::id).containsExactly(second + ":0");
        }
    }

    @Test
    void resumeAtOrPastTheTerminalEvent_getsTheSettlementAtOnce_overSseAndWebSocket() throws Exception {
        String session = id("s");
        String stream = id("st");
        createStream(session, stream);
        append(stream, List.of(token("a"), event("done", Map.of()))).statusCode(200);
        for (int cut = 0; cut <= 2; cut++) {
            String cursor = stream + ":" + cut;
            try (SseClient client = SseClient.open(channel(session), cursor)) {
                SseClient.Frame settlement = client.await(f -> "settlement".equals(f.event()), TIMEOUT);
                assertThat(json(settlement.data()).path("outcome").asText()).as("SSE %s", cursor).isEqualTo("restored");
                assertThat(client.journalFrames()).extracting(SseClient.Frame::id).as("SSE %s", cursor)
                        .isEqualTo(java.util.stream.IntStream.rangeClosed(cut + 1, 2).mapToObj(seq -> stream + ":" + seq).toList());
            }
            List<JsonNode> messages = new CopyOnWriteArrayList<>();
            WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
                    .buildAsync(URI.create("ws://" + base.getHost() + ":" + base.getPort() + "/v1/sessions/" + session
                            + "/live?lastEventId=" + cursor), new SocketMessages(messages, new CompletableFuture<>()))
                    .get();
            try {
                await().atMost(TIMEOUT).until(() -> messages.stream().anyMatch(m -> m.path("event").asText().equals("settlement")));
                assertThat(messages).filteredOn(m -> m.path("event").asText().equals("settlement"))
                        .extracting(m -> m.path("data").path("outcome").asText()).as("WebSocket %s", cursor)
                        .containsExactly("restored");
            } finally {
                socket.sendClose(WebSocket.NORMAL_CLOSURE, "done");
            }
        }
    }

    @Test
    void aWebSocketClientThatGoesAway_leavesTheHub() throws Exception {
        String session = id("s");
        createStream(session, id("st"));
        List<JsonNode> messages = new CopyOnWriteArrayList<>();
        WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create("ws://" + base.getHost() + ":" + base.getPort() + "/v1/sessions/" + session + "/live"),
                        new SocketMessages(messages, new CompletableFuture<>()))
                .get();
        await().atMost(TIMEOUT).until(() -> messages.stream().anyMatch(m -> m.path("event").asText().equals("stream_started")));
        // its session only, since other tests' clients may still be leaving the hub's global count
        await().atMost(TIMEOUT).until(() -> hub.follows(session));

        socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(30, java.util.concurrent.TimeUnit.SECONDS);

        await().atMost(TIMEOUT).until(() -> !hub.follows(session));
    }

    @Test
    void aStreamCreatedByAReplicaThatDiedBeforeItsDoorbell_isAnnouncedThroughTheSweep() {
        String session = id("s");
        String first = id("first");
        String next = id("next");
        createStream(session, first);
        try (SseClient client = SseClient.open(channel(session), null)) {
            client.await(f -> "stream_started".equals(f.event()), TIMEOUT);

            // a replica that died between creating the stream and its doorbell
            db.pool().withTransaction(connection -> connection.preparedQuery("""
                            insert into streams (stream_id, session_id, tenant, create_request, created_by, lease_seconds,
                                                 lease_expires_at)
                            values ($1, $2, 'default', '{}', 'replica-b', 60, now() + interval '60 seconds')""")
                    .execute(Tuple.of(next, session))
                    .chain(() -> connection.preparedQuery(
                                    "insert into stream_sessions (stream_id, session_id, tenant) values ($1, $2, 'default')")
                            .execute(Tuple.of(next, session)))
                    .chain(() -> connection.preparedQuery("update sessions set active_stream_id = $2 where session_id = $1")
                            .execute(Tuple.of(session, next))))
                    .await().atMost(TIMEOUT);

            await().atMost(TIMEOUT).until(() -> sweep.sweep().await().atMost(TIMEOUT) >= 0
                    && client.events("stream_started").stream().anyMatch(f -> (next + ":0").equals(f.id())));
            SseClient.Frame stale = client.await(f -> "settlement".equals(f.event()), TIMEOUT);
            assertThat(json(stale.data()).path("outcome").asText()).isEqualTo("stale");
            assertThat(json(stale.data()).path("currentStreamId").asText()).isEqualTo(next);
        }
    }

    @Test
    void withoutCursor_theChannelStartsAtTheNewestStream() {
        String session = id("s");
        String first = id("first");
        String second = id("second");
        createStream(session, first);
        append(first, List.of(token("a"), event("stream_end", Map.of()))).statusCode(200);
        createStream(session, second);
        append(second, List.of(token("b"))).statusCode(200);

        try (SseClient client = SseClient.open(channel(session), null)) {
            client.await(f -> (second + ":1").equals(f.id()), TIMEOUT);
            assertThat(client.journalFrames()).extracting(SseClient.Frame::id).containsExactly(second + ":1");
        }
    }

    @Test
    void webSocket_carriesTheSameFramesAsJson() throws Exception {
        String session = id("s");
        String stream = id("st");
        createStream(session, stream);
        List<JsonNode> messages = new CopyOnWriteArrayList<>();
        CompletableFuture<Integer> closed = new CompletableFuture<>();
        WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create("ws://" + base.getHost() + ":" + base.getPort() + "/v1/sessions/" + session + "/live"),
                        new SocketMessages(messages, closed))
                .get();
        try {
            await().atMost(TIMEOUT).until(() -> messages.stream().anyMatch(m -> m.path("event").asText().equals("stream_started")));
            append(stream, List.of(token("hi"), event("done", Map.of()))).statusCode(200);
            await().atMost(TIMEOUT).until(() -> messages.stream().anyMatch(m -> m.path("event").asText().equals("settlement")));

            assertThat(messages).extracting(m -> m.path("event").asText())
                    .containsExactly("stream_started", "token", "done", "settlement");
            JsonNode tokenMessage = messages.get(1);
            assertThat(tokenMessage.path("id").asText()).isEqualTo(stream + ":1");
            assertThat(tokenMessage.path("data").path("data").path("text").asText()).isEqualTo("hi");
            assertThat(messages.get(3).path("data").path("outcome").asText()).isEqualTo("restored");
        } finally {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "done");
        }
    }

    @Test
    void webSocket_toAnUnknownSession_getsAnErrorAndA4404Close() throws Exception {
        List<JsonNode> messages = new CopyOnWriteArrayList<>();
        CompletableFuture<Integer> closed = new CompletableFuture<>();
        HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create("ws://" + base.getHost() + ":" + base.getPort() + "/v1/sessions/" + id("nope") + "/live"),
                        new SocketMessages(messages, closed))
                .get();
        assertThat(closed.get(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(4404);
        assertThat(messages).hasSize(1);
        assertThat(messages.get(0).path("event").asText()).isEqualTo("error");
        assertThat(messages.get(0).path("data").path("type").asText()).endsWith("/not-found");
    }

    @Test
    void unknownSessionAndBadCursors_areProblems() {
        given().accept("text/event-stream").get("/v1/sessions/{id}/events", id("nope")).then()
                .statusCode(404).body("type", equalTo("https://stream-journal.dev/problems/not-found"));
        String session = id("s");
        createStream(session, id("st"));
        given().accept("text/event-stream").header("Last-Event-ID", "17").get("/v1/sessions/{id}/events", session)
                .then().statusCode(400).body("type", equalTo("https://stream-journal.dev/problems/invalid-request"));
        given().accept("text/event-stream").header("Last-Event-ID", "st:x").get("/v1/sessions/{id}/events", session)
                .then().statusCode(400).body("type", equalTo("https://stream-journal.dev/problems/invalid-request"));
        given().accept("text/event-stream").header("Last-Event-ID", "bad id:1").get("/v1/sessions/{id}/events", session)
                .then().statusCode(400).body("type", equalTo("https://stream-journal.dev/problems/invalid-id"));
    }
}
