package dev.streamjournal.live;

import static dev.streamjournal.support.Api.append;
import static dev.streamjournal.support.Api.create;
import static dev.streamjournal.support.Api.createStream;
import static dev.streamjournal.support.Api.event;
import static dev.streamjournal.support.Api.id;
import static dev.streamjournal.support.Api.token;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamjournal.support.Db;
import dev.streamjournal.support.SseClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * The race this service exists to remove: a client tails stream S; S gets {@code done} and
 * {@code stream_end} while a new stream T starts on the same session. Random delays (jitter, not
 * synchronisation) vary the interleaving from round to round.
 */
@QuarkusTest
class SeedRaceTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final int ROUNDS = 15;

    @TestHTTPResource("/")
    URI base;

    @Inject
    Db db;

    private static void jitter(int maxMillis) {
        try {
            Thread.sleep(ThreadLocalRandom.current().nextInt(maxMillis + 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static JsonNode lastSettlement(SseClient client) {
        List<SseClient.Frame> settlements = client.events("settlement");
        assertThat(settlements).isNotEmpty();
        try {
            return JSON.readTree(settlements.get(settlements.size() - 1).data());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void interrupt_theOldTailSettlesStaleNamingT_andTIsUntouched() {
        for (int round = 0; round < ROUNDS; round++) {
            String session = id("race");
            String s = id("S");
            String t = id("T");
            createStream(session, s);
            append(s, List.of(token("s1"), token("s2"))).statusCode(200);

            try (SseClient tail = SseClient.open(base.resolve("/v1/streams/" + s + "/events"), null)) {
                tail.await(f -> "2".equals(f.id()), TIMEOUT);

                CompletableFuture<int[]> producer = CompletableFuture.supplyAsync(() -> {
                    jitter(15);
                    int done = append(s, List.of(event("done", Map.of()))).extract().statusCode();
                    jitter(15);
                    int end = append(s, List.of(event("stream_end", Map.of()))).extract().statusCode();
                    return new int[] {done, end};
                });
                CompletableFuture<Integer> starter = CompletableFuture.supplyAsync(() -> {
                    jitter(25);
                    int status = create(session, Map.of("streamId", t, "onActive", "interrupt",
                            "userMessage", Map.of("content", "next question"))).extract().statusCode();
                    append(t, List.of(token("t1"), token("t2"))).statusCode(200);
                    return status;
                });
                int[] producerStatus = producer.join();
                assertThat(starter.join()).isEqualTo(201);

                tail.awaitEnd(TIMEOUT);
                String stateOfS = db.rows("select terminal_state from streams where stream_id = $1", s).get(0)
                        .getString(0);
                if ("superseded".equals(stateOfS)) {
                    // T came first: the old producer could not write anything more
                    assertThat(producerStatus).containsExactly(409, 409);
                } else {
                    assertThat(stateOfS).isEqualTo("completed");
                    assertThat(producerStatus[0]).isEqualTo(200);
                }
                long tCreated = db.scalarLong("select id from lifecycle_log where stream_id = $1 and kind = 'created'", t);
                List<io.vertx.mutiny.sqlclient.Row> sClosed = db.rows(
                        "select id from lifecycle_log where stream_id = $1 and kind = 'closed'", s);
                JsonNode settlement = lastSettlement(tail);
                if (sClosed.isEmpty() || tCreated < sClosed.get(0).getLong(0)) {
                    assertThat(settlement.path("outcome").asText()).as("round %d", round).isEqualTo("stale");
                    assertThat(settlement.path("currentStreamId").asText()).isEqualTo(t);
                } else {
                    assertThat(settlement.path("outcome").asText()).isIn("restored", "stale");
                }
                // the tail of S never carries anything of T
                assertThat(tail.journalFrames()).allSatisfy(frame -> assertThat(frame.data()).contains(s));

                // T is untouched: its own events and its own user message, nothing of S
                assertThat(db.rows("select data->>'text' from journal_events where stream_id = $1 order by seq", t))
                        .extracting(row -> row.getString(0)).containsExactly("t1", "t2");
                given().get("/v1/streams/{id}", t).then().statusCode(200);
                assertThat(db.rows("select role, message->>'content' from transcript_messages where stream_id = $1", t))
                        .extracting(row -> row.getString(0) + ":" + row.getString(1)).containsExactly("user:next question");
                assertThat(db.scalarLong("select count(*) from transcript_messages where stream_id = $1 and role = 'assistant'", s))
                        .isEqualTo(1);
            }
        }
    }

    @Test
    void reject_refusesT_whileSIsLive_andSSettlesRestored() {
        for (int round = 0; round < ROUNDS; round++) {
            String session = id("race");
            String s = id("S");
            createStream(session, s);
            append(s, List.of(token("s1"))).statusCode(200);

            try (SseClient tail = SseClient.open(base.resolve("/v1/streams/" + s + "/events"), null)) {
                tail.await(f -> "1".equals(f.id()), TIMEOUT);
                CompletableFuture<Integer> starter = CompletableFuture.supplyAsync(() -> {
                    jitter(10);
                    return create(session, Map.of("streamId", id("T"), "onActive", "reject")).extract().statusCode();
                });
                int refused = starter.join();
                jitter(10);
                append(s, List.of(token("s2"), event("done", Map.of()))).statusCode(200);
                jitter(10);
                append(s, List.of(event("stream_end", Map.of()))).statusCode(200);

                tail.awaitEnd(TIMEOUT);
                assertThat(refused).isEqualTo(409);
                assertThat(tail.events("settlement")).hasSize(1);
                JsonNode settlement = lastSettlement(tail);
                assertThat(settlement.path("outcome").asText()).isEqualTo("restored");
                assertThat(settlement.path("transcript").path("messages").get(1).path("content").asText()).isEqualTo("s1s2");
                assertThat(db.scalarLong("select count(*) from streams where session_id = $1", session)).isEqualTo(1);
            }
        }
    }
}
