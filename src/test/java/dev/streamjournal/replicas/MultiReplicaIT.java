package dev.streamjournal.replicas;

import static dev.streamjournal.support.Api.event;
import static dev.streamjournal.support.Api.token;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamjournal.support.ApiClient;
import dev.streamjournal.support.Http;
import dev.streamjournal.support.PostgresResource;
import dev.streamjournal.support.Replica;
import dev.streamjournal.support.SocketMessages;
import dev.streamjournal.support.SseClient;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Two instances of the packaged service over one PostgreSQL, sharing nothing else: live delivery and
 * long-polls across replicas, both lease reapers at once, and a SIGTERM to one replica while clients
 * tail and producers append through both.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MultiReplicaIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TENANT = "replicas";

    private static final PostgresResource POSTGRES = new PostgresResource();
    private static Replica a;
    private static Replica b;
    /** The API on A; {@code api.on(b)} on B. */
    private static ApiClient api;

    @BeforeAll
    static void startTwoReplicas() throws IOException {
        // the configured database, inherited through the environment, or a fresh embedded one
        Map<String, String> env = Replica.environment(POSTGRES.start());
        env.put("JOURNAL_LEASE_REAPER_INTERVAL", "1s");
        env.put("QUARKUS_SHUTDOWN_DELAY", "1s");
        // both start at once: Flyway migrates under its lock, the second waits and finds the schema current
        a = Replica.start("a", env);
        b = Replica.start("b", env);
        a.awaitReady();
        b.awaitReady();
        api = new ApiClient(a, TENANT, TIMEOUT);
    }

    @AfterAll
    static void stop() throws IOException {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
        POSTGRES.stop();
    }

    @Test
    @Order(1)
    void anEventAppendedOnA_reachesASubscriberOnB_andWakesALongPollParkedOnB() throws Exception {
        String session = id("s");
        String stream = id("st");
        create(a, session, stream, 60);
        try (SseClient tail = SseClient.open(b.uri("/v1/streams/" + stream + "/events"), null, api.readerToken())) {
            tail.awaitConnected();
            CompletableFuture<Http.Answer> poll = CompletableFuture.supplyAsync(() -> {
                try {
                    return api.on(b).read("/v1/streams/" + stream + "/settlement?wait=45");
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            await().atMost(TIMEOUT).until(() -> metric(b, "journal_settlement_parked") >= 1);

            append(a, stream, token(1, "from A"));
            SseClient.Frame token = tail.await(frame -> "token".equals(frame.event()), TIMEOUT);
            assertThat(JSON.readTree(token.data()).path("data").path("text").asText()).isEqualTo("from A");

            append(a, stream, event(2, "done", Map.of()));
            JsonNode settlement = poll.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).json();
            assertThat(settlement.path("outcome").asText()).isEqualTo("restored");
            tail.await(frame -> "settlement".equals(frame.event()), TIMEOUT);
        }
    }

    @Test
    @Order(2)
    void bothReapersRun_andInterruptEachExpiredStreamExactlyOnce() throws Exception {
        List<String> streams = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            String stream = id("lease");
            create(i % 2 == 0 ? a : b, id("s"), stream, 1);
            streams.add(stream);
        }
        for (String stream : streams) {
            await().atMost(TIMEOUT).until(() -> "interrupted".equals(
                    read(b, "/v1/streams/" + stream).path("journal").path("terminalState").asText()));
        }
        for (String stream : streams) {
            JsonNode lifecycle = api.audit("/v1/audit/lifecycle?streamId=" + stream).json();
            List<String> kinds = new ArrayList<>();
            lifecycle.path("entries").forEach(entry -> kinds.add(entry.path("kind").asText()));
            assertThat(kinds).as(stream).filteredOn("lease_expired"::equals).hasSize(1);
            JsonNode events = read(b, "/v1/streams/" + stream + "/events").path("events");
            assertThat(events).as(stream).hasSize(1);
            assertThat(events.get(0).path("type").asText()).isEqualTo("apperror");
        }
        assertThat(metric(a, "journal_lease_reaper_passes_total")).as("passes of A's reaper").isPositive();
        assertThat(metric(b, "journal_lease_reaper_passes_total")).as("passes of B's reaper").isPositive();
        await().atMost(TIMEOUT).until(() -> metric(a, "journal_lease_interrupted_total")
                + metric(b, "journal_lease_interrupted_total") >= streams.size());
        assertThat(metric(a, "journal_lease_interrupted_total") + metric(b, "journal_lease_interrupted_total"))
                .as("interruptions counted by both replicas").isEqualTo(streams.size());
    }

    /**
     * Clients tail streams through A and producers append through A and B, each append retried on B with
     * the same seq until acknowledged. Once every stream has 20 events, A gets SIGTERM.
     */
    @Test
    @Order(3)
    void sigtermToA_clientsResumeOnB_withoutGapOrDuplicate_andNoAcknowledgedAppendIsLost() throws Exception {
        int streamCount = 6;
        int tokens = 60;
        List<String> streams = IntStream.range(0, streamCount).mapToObj(i -> id("drain")).toList();
        String firstSession = id("s");
        for (String stream : streams) {
            create(b, stream.equals(streams.get(0)) ? firstSession : id("s"), stream, 120);
        }
        ExecutorService pool = Executors.newCachedThreadPool();
        try {
            Map<String, ResumingTail> tails = new ConcurrentHashMap<>();
            List<Future<?>> running = new ArrayList<>();
            for (String stream : streams) {
                ResumingTail tail = new ResumingTail(stream);
                tails.put(stream, tail);
                running.add(pool.submit(tail::run));
            }
            await().atMost(TIMEOUT).until(() -> tails.values().stream().allMatch(t -> t.connections.get() == 1
                    && t.current != null && t.current.hasConnected()));
            List<JsonNode> socketMessages = new CopyOnWriteArrayList<>();
            CompletableFuture<Integer> socketClosed = new CompletableFuture<>();
            HttpClient.newHttpClient().newWebSocketBuilder().header("Authorization", api.readerToken())
                    .buildAsync(URI.create("ws://localhost:" + a.port + "/v1/sessions/" + firstSession + "/live"),
                            new SocketMessages(socketMessages, socketClosed)).get();
            await().atMost(TIMEOUT).until(() -> socketMessages.stream()
                    .anyMatch(m -> m.path("event").asText().equals("stream_started")));

            Map<String, AtomicInteger> acked = new ConcurrentHashMap<>();
            streams.forEach(stream -> acked.put(stream, new AtomicInteger()));
            for (String stream : streams) {
                running.add(pool.submit(() -> {
                    produce(stream, tokens, acked.get(stream));
                    return null;
                }));
            }
            await().atMost(TIMEOUT).until(() -> acked.values().stream().allMatch(n -> n.get() >= 20));
            a.process.destroy(); // SIGTERM
            assertThat(a.process.waitFor(60, TimeUnit.SECONDS)).as("A exits").isTrue();
            assertThat(a.process.exitValue()).as("A's exit status\n" + a.logText()).isZero();
            assertThat(socketClosed.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).as("WebSocket close code").isEqualTo(1012);

            for (Future<?> task : running) {
                task.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            }
            assertThat(a.logText()).contains("draining");
            for (String stream : streams) {
                List<Integer> expected = IntStream.rangeClosed(1, tokens + 2).boxed().toList();
                ResumingTail tail = tails.get(stream);
                assertThat(tail.seqs).as("seqs seen by the client of " + stream).isEqualTo(expected);
                assertThat(tail.connections.get()).as("connections of the client of " + stream).isGreaterThanOrEqualTo(2);
                assertThat(tail.drainHints.get()).as("reconnect hints to the client of " + stream).isEqualTo(1);
                assertThat(tail.lastOutcome).as("settlement on the connection that saw stream_end").isEqualTo("restored");
                JsonNode events = read(b, "/v1/streams/" + stream + "/events?limit=1000").path("events");
                List<Integer> stored = new ArrayList<>();
                events.forEach(event -> stored.add(event.path("seq").asInt()));
                assertThat(stored).as("journal of " + stream).isEqualTo(expected);
                for (int seq = 1; seq <= tokens; seq++) {
                    assertThat(events.get(seq - 1).path("data").path("text").asText()).isEqualTo("t" + seq);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Appends tokens 1..n with explicit seq, alternating A and B; a failed append is retried on B. */
    private static void produce(String stream, int n, AtomicInteger acked) throws InterruptedException {
        for (int seq = 1; seq <= n; seq++) {
            appendUntilAcknowledged(seq % 2 == 0 ? a : b, stream, token(seq, "t" + seq));
            acked.set(seq);
        }
        appendUntilAcknowledged(a, stream, event(n + 1, "done", Map.of()));
        appendUntilAcknowledged(b, stream, event(n + 2, "stream_end", Map.of()));
    }

    private static void appendUntilAcknowledged(Replica first, String stream, Map<String, Object> event)
            throws InterruptedException {
        Replica target = first;
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                Http.Answer answer = api.on(target).append(stream, event);
                if (answer.status() == 200) {
                    return;
                }
                assertThat(answer.status()).as(answer.body()).isIn(502, 503);
            } catch (IOException e) {
                // the replica went away: go on with the other one
            }
            target = b;
        }
        throw new AssertionError("append " + stream + ":" + event.get("seq") + " was never acknowledged");
    }

    /** A client of one stream's tail: starts on A, and whenever a response ends early, resumes on B. */
    private static final class ResumingTail {
        final String stream;
        final List<Integer> seqs = new ArrayList<>();
        final AtomicInteger connections = new AtomicInteger();
        final AtomicInteger drainHints = new AtomicInteger();
        volatile String lastOutcome;
        volatile SseClient current;

        ResumingTail(String stream) {
            this.stream = stream;
        }

        void run() {
            Replica replica = a;
            String lastEventId = null;
            while (true) {
                try (SseClient client = SseClient.open(replica.uri("/v1/streams/" + stream + "/events"), lastEventId, api.readerToken())) {
                    current = client;
                    connections.incrementAndGet();
                    client.awaitEnd(TIMEOUT.multipliedBy(2));
                    client.frames().stream().filter(f -> f.retry() != null && f.comment() != null
                            && f.comment().startsWith("draining")).forEach(f -> drainHints.incrementAndGet());
                    for (SseClient.Frame frame : client.journalFrames()) {
                        seqs.add(Integer.parseInt(frame.id()));
                        lastEventId = frame.id();
                    }
                    client.events("settlement").forEach(f -> lastOutcome = outcome(f.data()));
                    if (client.events("stream_end").size() == 1) {
                        return;
                    }
                }
                replica = b;
            }
        }
    }

    private static void create(Replica replica, String session, String stream, int leaseSeconds) throws Exception {
        Http.Answer answer = api.on(replica).create(session, stream, Map.of("leaseSeconds", leaseSeconds));
        assertThat(answer.status()).as(answer.body()).isEqualTo(201);
    }

    private static void append(Replica replica, String stream, Map<String, Object> event) throws Exception {
        Http.Answer answer = api.on(replica).append(stream, event);
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    }

    /** A read on {@code replica} that must answer 200. */
    private static JsonNode read(Replica replica, String path) throws Exception {
        Http.Answer answer = api.on(replica).read(path);
        assertThat(answer.status()).as(path + ": " + answer.body()).isEqualTo(200);
        return answer.json();
    }

    private static double metric(Replica replica, String name) throws Exception {
        String text = Http.get(replica.uri("/q/metrics"), null, TIMEOUT).body();
        return text.lines().filter(line -> line.startsWith(name + " ") || line.startsWith(name + "{"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }

    private static String outcome(String settlement) {
        try {
            return JSON.readTree(settlement).path("outcome").asText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String id(String prefix) {
        return prefix + "-" + UUID.randomUUID();
    }
}
