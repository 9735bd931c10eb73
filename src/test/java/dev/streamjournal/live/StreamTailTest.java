package dev.streamjournal.live;

import static dev.streamjournal.support.Api.append;
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
import dev.streamjournal.support.Api;
import dev.streamjournal.support.Db;
import dev.streamjournal.support.SseClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/** Live tails of one stream over real SSE connections. */
@QuarkusTest
class StreamTailTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @TestHTTPResource("/")
    URI base;

    @Inject
    Db db;

    @Inject
    LiveHub hub;

    @Inject
    JournalListener listener;

    @Inject
    ChangeSweep sweep;

    private URI tail(String stream, String query) {
        return base.resolve("/v1/streams/" + stream + "/events" + (query == null ? "" : "?" + query));
    }

    private static List<Integer> seqs(SseClient client) {
        return client.journalFrames().stream().map(f -> Integer.parseInt(f.id())).toList();
    }

    private static List<Integer> range(int from, int to) {
        List<Integer> seqs = new ArrayList<>();
        for (int seq = from; seq <= to; seq++) {
            seqs.add(seq);
        }
        return seqs;
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(text, e);
        }
    }

    /** A closed stream of n events: n-2 tokens, done, stream_end. */
    private String finishedStream(int events) {
        String stream = id("st");
        createStream(id("s"), stream);
        List<Map<String, Object>> batch = new ArrayList<>();
        for (int i = 0; i < events - 2; i++) {
            batch.add(token("t" + i));
        }
        batch.add(event("done", Map.of()));
        batch.add(event("stream_end", Map.of()));
        append(stream, batch).statusCode(200);
        return stream;
    }

    @Test
    void finishedStream_replaysThenSettlesThenEnds() {
        String stream = finishedStream(5);
        try (SseClient client = SseClient.open(tail(stream, null), null)) {
            client.awaitEnd(TIMEOUT);

            assertThat(client.status()).isEqualTo(200);
            assertThat(client.header("Content-Type")).startsWith("text/event-stream");
            assertThat(client.header("X-Accel-Buffering")).isEqualTo("no");
            List<SseClient.Frame> frames = client.frames();
            assertThat(frames.get(0).retry()).isEqualTo("1000");
            assertThat(frames.stream().skip(1).map(f -> f.event()).toList())
                    .containsExactly("token", "token", "token", "done", "settlement", "stream_end");
            JsonNode token = json(frames.get(1).data());
            assertThat(token.path("streamId").asText()).isEqualTo(stream);
            assertThat(token.path("seq").asInt()).isEqualTo(1);
            assertThat(token.path("data").path("text").asText()).isEqualTo("t0");
            JsonNode settlement = json(client.events("settlement").get(0).data());
            assertThat(settlement.path("outcome").asText()).isEqualTo("restored");
            assertThat(settlement.path("transcript").path("messages").get(1).path("content").asText()).isEqualTo("t0t1t2");
        }
    }

    @Test
    void resumeAtEveryCutPoint_byLastEventIdAndByAfter_receivesExactlyTheRest() {
        String stream = finishedStream(200);
        for (int cut = 0; cut <= 200; cut++) {
            try (SseClient byHeader = SseClient.open(tail(stream, null), cut == 0 ? null : String.valueOf(cut));
                    SseClient byQuery = SseClient.open(tail(stream, "after=" + cut), "7")) {
                byHeader.awaitEnd(TIMEOUT);
                byQuery.awaitEnd(TIMEOUT);
                assertThat(seqs(byHeader)).as("Last-Event-ID %d", cut).isEqualTo(range(cut + 1, 200));
                assertThat(seqs(byQuery)).as("after=%d (the query wins over the header)", cut).isEqualTo(range(cut + 1, 200));
                assertThat(byHeader.events("settlement")).as("settlement after cut %d", cut).hasSize(1);
            }
        }
    }

    @Test
    void resumeBetweenTheTerminalEventAndStreamEnd_getsTheSettlementAtOnce_atEveryCutPoint() {
        String stream = id("st");
        createStream(id("s"), stream);
        append(stream, List.of(token("a"), event("done", Map.of()))).statusCode(200);
        List<SseClient> clients = new ArrayList<>();
        try {
            for (int cut = 0; cut <= 2; cut++) {
                SseClient client = SseClient.open(tail(stream, null), cut == 0 ? null : String.valueOf(cut));
                clients.add(client);
                SseClient.Frame settlement = client.await(f -> "settlement".equals(f.event()), TIMEOUT);
                assertThat(json(settlement.data()).path("outcome").asText()).as("cut %d", cut).isEqualTo("restored");
                assertThat(seqs(client)).as("cut %d", cut).isEqualTo(range(cut + 1, 2));
                assertThat(client.hasEnded()).isFalse();
            }
            append(stream, List.of(event("title", Map.of("title", "t")), event("stream_end", Map.of()))).statusCode(200);
            for (int cut = 0; cut <= 2; cut++) {
                SseClient client = clients.get(cut);
                client.awaitEnd(TIMEOUT);
                assertThat(seqs(client)).as("cut %d", cut).isEqualTo(range(cut + 1, 4));
                assertThat(client.events("settlement")).as("cut %d", cut).hasSize(1);
            }
        } finally {
            clients.forEach(SseClient::close);
        }
    }

    @Test
    void resumeAfterStreamEnd_getsTheSettlementAndTheEnd() {
        String stream = finishedStream(4);
        for (String lastEventId : List.of("4", "9")) {
            try (SseClient client = SseClient.open(tail(stream, null), lastEventId)) {
                client.awaitEnd(TIMEOUT);
                assertThat(seqs(client)).isEmpty();
                assertThat(client.events("settlement")).hasSize(1);
                assertThat(json(client.events("settlement").get(0).data()).path("outcome").asText()).isEqualTo("restored");
            }
        }
    }

    @Test
    void aSupersededStream_settlesStaleForEveryClient_atEveryCutPoint() {
        String session = id("s");
        String old = id("old");
        String next = id("next");
        createStream(session, old);
        append(old, List.of(token("a"), token("b"))).statusCode(200);
        SseClient live = SseClient.open(tail(old, null), null);
        try {
            live.await(f -> "2".equals(f.id()), TIMEOUT);
            Api.create(session, Map.of("streamId", next, "onActive", "interrupt")).statusCode(201);
            live.awaitEnd(TIMEOUT);
            assertThat(json(live.events("settlement").get(0).data()).path("currentStreamId").asText()).isEqualTo(next);
        } finally {
            live.close();
        }
        for (int cut = 0; cut <= 2; cut++) {
            try (SseClient client = SseClient.open(tail(old, null), cut == 0 ? null : String.valueOf(cut))) {
                client.awaitEnd(TIMEOUT);
                assertThat(seqs(client)).as("cut %d", cut).isEqualTo(range(cut + 1, 2));
                assertThat(client.events("settlement")).extracting(f -> json(f.data()).path("outcome").asText())
                        .as("cut %d", cut).containsExactly("stale");
            }
        }
        append(next, List.of(token("new turn"))).statusCode(200);
        assertThat(db.scalarLong("select last_seq from streams where stream_id = $1", next)).isEqualTo(1);
    }

    @Test
    void lastEventId_mayNameTheStream() {
        String stream = finishedStream(6);
        try (SseClient client = SseClient.open(tail(stream, null), stream + ":4")) {
            client.awaitEnd(TIMEOUT);
            assertThat(seqs(client)).containsExactly(5, 6);
        }
    }

    @Test
    void liveTail_getsEventsAsTheyCommit_thenSettlementAndEnd() {
        String stream = id("st");
        createStream(id("s"), stream);
        try (SseClient client = SseClient.open(tail(stream, null), null)) {
            client.await(f -> f.retry() != null, TIMEOUT);
            append(stream, List.of(token("a"))).statusCode(200);
            client.await(f -> "1".equals(f.id()), TIMEOUT);
            append(stream, List.of(token("b"), event("done", Map.of()))).statusCode(200);
            client.await(f -> "settlement".equals(f.event()), TIMEOUT);
            assertThat(client.hasEnded()).isFalse();
            append(stream, List.of(event("title", Map.of("title", "x")), event("stream_end", Map.of()))).statusCode(200);
            client.awaitEnd(TIMEOUT);

            assertThat(seqs(client)).containsExactly(1, 2, 3, 4, 5);
            assertThat(client.events("settlement")).hasSize(1);
        }
    }

    @Test
    void lateSubscriber_whileEventsAreAppendedQuickly_seesNoGapAndNoDuplicate() throws Exception {
        String stream = id("st");
        createStream(id("s"), stream);
        int total = 400;
        Thread producer = new Thread(() -> {
            int sent = 0;
            while (sent < total) {
                int size = Math.min(total - sent, 1 + ThreadLocalRandom.current().nextInt(8));
                List<Map<String, Object>> batch = new ArrayList<>();
                for (int i = 0; i < size; i++) {
                    batch.add(token("t" + (sent + i)));
                }
                append(stream, batch).statusCode(200);
                sent += size;
            }
            append(stream, List.of(event("stream_end", Map.of()))).statusCode(200);
        });
        producer.start();
        await().atMost(TIMEOUT).until(() -> db.scalarLong("select last_seq from streams where stream_id = $1", stream) > 50);

        try (SseClient late = SseClient.open(tail(stream, null), null);
                SseClient resumed = SseClient.open(tail(stream, "after=25"), null)) {
            late.awaitEnd(TIMEOUT);
            resumed.awaitEnd(TIMEOUT);
            producer.join(TIMEOUT.toMillis());

            assertThat(seqs(late)).isEqualTo(range(1, total + 1));
            assertThat(seqs(resumed)).isEqualTo(range(26, total + 1));
        }
    }

    @Test
    void hundredSubscribers_eachGetExactlyOneSettlementFrame() {
        String stream = id("st");
        createStream(id("s"), stream);
        append(stream, List.of(token("a"))).statusCode(200);
        int subscribersBefore = hub.subscribers();
        List<SseClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 100; i++) {
                clients.add(SseClient.open(tail(stream, null), null));
            }
            for (SseClient client : clients) {
                client.await(f -> "1".equals(f.id()), TIMEOUT);
            }
            append(stream, List.of(token("b"), event("done", Map.of()))).statusCode(200);
            append(stream, List.of(event("stream_end", Map.of()))).statusCode(200);
            for (SseClient client : clients) {
                client.awaitEnd(TIMEOUT);
                assertThat(client.events("settlement")).hasSize(1);
                assertThat(json(client.events("settlement").get(0).data()).path("outcome").asText()).isEqualTo("restored");
                assertThat(seqs(client)).containsExactly(1, 2, 3, 4);
            }
        } finally {
            clients.forEach(SseClient::close);
        }
        await().atMost(TIMEOUT).until(() -> hub.subscribers() <= subscribersBefore);
    }

    @Test
    void aClientThatDisconnects_leavesTheHub() {
        String session = id("s");
        String stream = id("st");
        createStream(session, stream);
        SseClient client = SseClient.open(tail(stream, null), null);
        client.await(f -> f.retry() != null, TIMEOUT);
        // its session only, since other tests' clients may still be leaving the hub's global count
        await().atMost(TIMEOUT).until(() -> hub.follows(session));

        client.close();

        await().atMost(TIMEOUT).until(() -> !hub.follows(session));
    }

    @Test
    void anEventCommittedByAnotherProcess_reachesThisInstancesSubscribers() {
        String session = id("s");
        String stream = id("st");
        createStream(session, stream);
        try (SseClient client = SseClient.open(tail(stream, null), null)) {
            client.await(f -> f.retry() != null, TIMEOUT);

            // what a second replica does: the append SQL on a connection of its own, then its doorbell
            db.appendAsAnotherReplica(session, stream, 1, "from elsewhere");
            db.ringAsAnotherReplica(session, stream, 1);

            SseClient.Frame frame = client.await(f -> "1".equals(f.id()), TIMEOUT);
            assertThat(json(frame.data()).path("data").path("text").asText()).isEqualTo("from elsewhere");
        }
    }

    @Test
    void aChangeWhoseDoorbellNeverRang_reachesSubscribersThroughTheSweep() {
        String session = id("s");
        String stream = id("st");
        createStream(session, stream);
        try (SseClient client = SseClient.open(tail(stream, null), null)) {
            client.await(f -> f.retry() != null, TIMEOUT);

            // a replica that died between its commit and its doorbell
            db.appendAsAnotherReplica(session, stream, 1, "no doorbell");

            await().atMost(TIMEOUT).until(() -> sweep.sweep().await().atMost(TIMEOUT) > 0
                    || client.frames().stream().anyMatch(f -> "1".equals(f.id())));
            SseClient.Frame frame = client.await(f -> "1".equals(f.id()), TIMEOUT);
            assertThat(json(frame.data()).path("data").path("text").asText()).isEqualTo("no doorbell");
        }
    }

    @Test
    void aKilledListenConnection_isReestablished_andNoEventIsLost() {
        String stream = id("st");
        createStream(id("s"), stream);
        try (SseClient client = SseClient.open(tail(stream, null), null)) {
            client.await(f -> f.retry() != null, TIMEOUT);
            append(stream, List.of(token("before"))).statusCode(200);
            client.await(f -> "1".equals(f.id()), TIMEOUT);
            int subscriptions = listener.subscriptions();

            long killed = db.scalarLong("""
                    select count(pg_terminate_backend(pid)) from pg_stat_activity
                     where application_name = $1""", JournalListener.APPLICATION_NAME);
            assertThat(killed).isPositive();
            append(stream, List.of(token("while away 1"), token("while away 2"))).statusCode(200);

            await().atMost(TIMEOUT).until(() -> listener.subscriptions() > subscriptions);
            client.await(f -> "3".equals(f.id()), TIMEOUT);
            append(stream, List.of(token("after"))).statusCode(200);
            client.await(f -> "4".equals(f.id()), TIMEOUT);
            assertThat(seqs(client)).containsExactly(1, 2, 3, 4);
        }
    }

    @Test
    void thePathServesJsonPages_unlessTheClientAsksForAnEventStream() {
        String stream = finishedStream(3);
        for (String accept : List.of("*/*", "application/json", "application/json, text/event-stream;q=0.5")) {
            given().accept(accept).get("/v1/streams/{id}/events", stream).then()
                    .statusCode(200).contentType("application/json").body("events.size()", equalTo(3));
        }
        given().accept("text/event-stream").get("/v1/streams/{id}/events", stream).then()
                .statusCode(200).contentType("text/event-stream").header("X-Accel-Buffering", "no")
                .header("Cache-Control", "no-cache");
    }

    @Test
    void unknownStream_is404_beforeAnyEvent() {
        given().accept("text/event-stream").get("/v1/streams/{id}/events", id("nope")).then()
                .statusCode(404).contentType("application/problem+json")
                .body("type", equalTo("https://stream-journal.dev/problems/not-found"));
    }

    @Test
    void badCursorsAndIds_are400() {
        String stream = finishedStream(3);
        given().accept("text/event-stream").get("/v1/streams/{id}/events?after=-1", stream).then()
                .statusCode(400).body("type", equalTo("https://stream-journal.dev/problems/invalid-request"));
        given().accept("text/event-stream").header("Last-Event-ID", "abc").get("/v1/streams/{id}/events", stream).then()
                .statusCode(400).body("type", equalTo("https://stream-journal.dev/problems/invalid-request"));
        given().accept("text/event-stream").header("Last-Event-ID", "other:3").get("/v1/streams/{id}/events", stream)
                .then().statusCode(400).body("type", equalTo("https://stream-journal.dev/problems/invalid-request"));
        given().accept("text/event-stream").urlEncodingEnabled(false).get("/v1/streams/a%20b/events").then()
                .statusCode(400).body("type", equalTo("https://stream-journal.dev/problems/invalid-id"));
    }
}
