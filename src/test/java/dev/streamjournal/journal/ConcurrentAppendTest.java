package dev.streamjournal.journal;

import static dev.streamjournal.support.Api.append;
import static dev.streamjournal.support.Api.createStream;
import static dev.streamjournal.support.Api.event;
import static dev.streamjournal.support.Api.id;
import static dev.streamjournal.support.Api.token;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamjournal.support.Db;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Row;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Producers racing on one stream, and readers racing with the terminal commit. */
@QuarkusTest
class ConcurrentAppendTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/")
    URI base;

    @Inject
    Db db;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private ExecutorService workers;

    @BeforeEach
    void startWorkers() {
        workers = Executors.newFixedThreadPool(4);
    }

    @AfterEach
    void stopWorkers() throws InterruptedException {
        workers.shutdownNow();
        assertThat(workers.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }

    private JsonNode post(String path, Object body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(base.resolve(path))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        JsonNode json = JSON.readTree(response.body());
        ((com.fasterxml.jackson.databind.node.ObjectNode) json).put("httpStatus", response.statusCode());
        return json;
    }

    private JsonNode get(String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30)).GET().build();
        return JSON.readTree(http.send(request, HttpResponse.BodyHandlers.ofString()).body());
    }

    private <T> List<T> runTogether(List<Callable<T>> tasks) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<T>> futures = new ArrayList<>();
        for (Callable<T> task : tasks) {
            futures.add(workers.submit(() -> {
                start.await();
                return task.call();
            }));
        }
        start.countDown();
        List<T> results = new ArrayList<>();
        for (Future<T> future : futures) {
            results.add(future.get(120, TimeUnit.SECONDS));
        }
        return results;
    }

    private void assertGaplessJournal(String stream, int expectedEvents) {
        List<Row> rows = db.rows("select seq, position from journal_events where stream_id = $1 order by seq", stream);
        assertThat(rows).hasSize(expectedEvents);
        for (int i = 0; i < rows.size(); i++) {
            assertThat(rows.get(i).getInteger("seq")).isEqualTo(i + 1);
            if (i > 0) {
                assertThat(rows.get(i).getLong("position")).isGreaterThan(rows.get(i - 1).getLong("position"));
            }
        }
        assertThat(db.scalarLong("select last_seq from streams where stream_id = $1", stream)).isEqualTo(expectedEvents);
    }

    @Test
    void twoProducers_implicitSeq_interleaveWithoutGapOrDuplicate() throws Exception {
        String stream = id("st");
        createStream(id("s"), stream);
        int batches = 25;
        List<Callable<Integer>> producers = new ArrayList<>();
        for (String producer : List.of("A", "B")) {
            producers.add(() -> {
                int appended = 0;
                for (int b = 0; b < batches; b++) {
                    JsonNode result = post("/v1/streams/" + stream + "/events", Map.of("events",
                            List.of(token(producer + b + ".1"), token(producer + b + ".2"))));
                    assertThat(result.path("httpStatus").asInt()).isEqualTo(200);
                    appended += result.path("appended").asInt();
                }
                return appended;
            });
        }

        List<Integer> appended = runTogether(producers);

        assertThat(appended).containsExactly(2 * batches, 2 * batches);
        assertGaplessJournal(stream, 4 * batches);
        Set<String> texts = new HashSet<>();
        db.rows("select data->>'text' as text from journal_events where stream_id = $1", stream)
                .forEach(row -> texts.add(row.getString("text")));
        assertThat(texts).hasSize(4 * batches);
        // each batch is atomic: its two events are adjacent
        List<Row> rows = db.rows("select data->>'text' as text from journal_events where stream_id = $1 order by seq", stream);
        for (int i = 0; i < rows.size(); i += 2) {
            String first = rows.get(i).getString("text");
            assertThat(first).endsWith(".1");
            assertThat(rows.get(i + 1).getString("text")).isEqualTo(first.replace(".1", ".2"));
        }
    }

    @Test
    void twoProducers_sameExplicitSeqs_writeEachEventOnce_andCountTheRestAsDuplicates() throws Exception {
        String stream = id("st");
        createStream(id("s"), stream);
        int events = 40;
        List<Callable<int[]>> producers = new ArrayList<>();
        for (int p = 0; p < 2; p++) {
            producers.add(() -> {
                int appended = 0;
                int duplicates = 0;
                for (int seq = 1; seq <= events; seq += 4) {
                    List<Map<String, Object>> batch = new ArrayList<>();
                    for (int s = seq; s < seq + 4; s++) {
                        batch.add(token(s, "t" + s));
                    }
                    JsonNode result = post("/v1/streams/" + stream + "/events", Map.of("events", batch));
                    assertThat(result.path("httpStatus").asInt()).isEqualTo(200);
                    appended += result.path("appended").asInt();
                    duplicates += result.path("duplicates").asInt();
                }
                return new int[] {appended, duplicates};
            });
        }

        List<int[]> results = runTogether(producers);

        assertThat(results.get(0)[0] + results.get(1)[0]).isEqualTo(events);
        assertThat(results.get(0)[1] + results.get(1)[1]).isEqualTo(events);
        assertGaplessJournal(stream, events);
    }

    @Test
    void aRetryWhoseNumbersTheJournalRewrote_isADuplicate_notAConflict() {
        String stream = id("st");
        createStream(id("s"), stream);
        String body = "{\"events\":[{\"seq\":1,\"type\":\"tool\",\"data\":{\"big\":1e+20,\"k\":1E3,\"f\":1.50}}]}";

        given().contentType("application/json").body(body).post("/v1/streams/{id}/events", stream)
                .then().statusCode(200).body("appended", equalTo(1));
        assertThat(db.rows("select data::text as data from journal_events where stream_id = $1", stream).get(0)
                .getString("data")).isEqualTo("{\"f\": 1.50, \"k\": 1000, \"big\": 100000000000000000000}");
        given().contentType("application/json").body(body).post("/v1/streams/{id}/events", stream)
                .then().statusCode(200).body("appended", equalTo(0)).body("duplicates", equalTo(1));

        assertGaplessJournal(stream, 1);
    }

    @Test
    void theSameBatchSentTwice_isWrittenOnce() {
        String stream = id("st");
        createStream(id("s"), stream);
        List<Map<String, Object>> batch = List.of(token(1, "a"), token(2, "b"), event(3, "done", Map.of()),
                event(4, "stream_end", Map.of()));

        append(stream, batch).statusCode(200).body("appended", equalTo(4)).body("duplicates", equalTo(0));
        append(stream, batch).statusCode(200)
                .body("appended", equalTo(0))
                .body("duplicates", equalTo(4))
                .body("lastSeq", equalTo(4))
                .body("terminalState", equalTo("completed"))
                .body("closed", equalTo(true));

        assertGaplessJournal(stream, 4);
        assertThat(db.scalarLong("select count(*) from transcript_messages where stream_id = $1 and role = 'assistant'",
                stream)).isEqualTo(1);
        assertThat(db.scalarLong("select count(*) from lifecycle_log where stream_id = $1 and kind = 'terminal'", stream))
                .isEqualTo(1);
    }

    @Test
    void afterDoneCommits_oneReadOfTheSessionHoldsTheAssistantMessage() {
        for (int round = 0; round < 20; round++) {
            String session = id("s");
            String stream = id("st");
            createStream(session, stream);
            append(stream, List.of(token("answer " + round))).statusCode(200);
            append(stream, List.of(event("done", Map.of()))).statusCode(200);

            given().get("/v1/sessions/{id}", session).then()
                    .body("messages[1].role", equalTo("assistant"))
                    .body("messages[1].content", equalTo("answer " + round))
                    .body("streams[0].journal.terminal", equalTo(true));
        }
    }

    @Test
    void readersRacingTheTerminalCommit_neverSeeATerminalStreamWithoutItsMessage() throws Exception {
        String session = id("s");
        AtomicBoolean producing = new AtomicBoolean(true);
        AtomicReference<String> violation = new AtomicReference<>();
        Future<Integer> reader = workers.submit(() -> {
            int reads = 0;
            while (producing.get() || reads == 0) {
                JsonNode view = get("/v1/sessions/" + session);
                reads++;
                if (!view.has("streams")) {
                    continue;
                }
                Set<String> withMessage = new HashSet<>();
                view.path("messages").forEach(m -> {
                    if (m.path("role").asText().equals("assistant")) {
                        withMessage.add(m.path("streamId").asText());
                    }
                });
                view.path("streams").forEach(s -> {
                    if (s.path("journal").path("terminal").asBoolean() && !withMessage.contains(s.path("streamId").asText())) {
                        violation.compareAndSet(null, "terminal without message: " + view);
                    }
                });
            }
            return reads;
        });

        for (int turn = 0; turn < 15; turn++) {
            String stream = session + "-t" + turn;
            createStream(session, stream);
            append(stream, List.of(token("x"), event("done", Map.of()), event("stream_end", Map.of()))).statusCode(200);
        }
        producing.set(false);

        assertThat(reader.get(60, TimeUnit.SECONDS)).isPositive();
        assertThat(violation.get()).isNull();
    }
}
