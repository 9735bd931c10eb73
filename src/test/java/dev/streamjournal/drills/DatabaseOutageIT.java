package dev.streamjournal.drills;

import static dev.streamjournal.support.Api.token;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamjournal.embedded.EmbeddedPostgres;
import dev.streamjournal.support.ApiClient;
import dev.streamjournal.support.Db;
import dev.streamjournal.support.Http;
import dev.streamjournal.support.Replica;
import dev.streamjournal.support.SseClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL stopped for 10 s under load, then started again, with the service left running: every
 * request meanwhile gets 503 {@code unavailable} within 1 s (no hang, no 500), readiness goes DOWN and
 * UP, the LISTEN connection comes back (the sweep is off here, so only it can wake the tail), a tail
 * opened before the outage resumes with no gap, no acknowledged append is lost, and the process is the
 * one that started.
 */
class DatabaseOutageIT {

    private static final String TENANT = "outage";
    private static final int PRODUCERS = 4;
    private static final Duration OUTAGE = Duration.ofSeconds(10);

    private static Path dataDir;
    private static EmbeddedPostgres postgres;
    private static Replica service;
    private static ApiClient api;

    @BeforeAll
    static void start() throws IOException {
        dataDir = Files.createTempDirectory("stream-journal-outage-drill-");
        postgres = EmbeddedPostgres.start(dataDir.resolve("data"), false);
        Map<String, String> env = Replica.environment(postgres);
        env.put("JOURNAL_LIVE_SWEEP_INTERVAL", "1h");
        service = Replica.start("outage", env);
        service.awaitReady();
        api = new ApiClient(service, TENANT, Duration.ofSeconds(30));
    }

    @AfterAll
    static void stop() throws IOException {
        if (service != null) {
            service.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    /** A request made while the database was down: when it started and ended, and its answer. */
    private record Probe(long startNanos, long endNanos, String what, int status, String slug, long millis) {
    }

    @Test
    void databaseStoppedForTenSeconds_answers503Fast_andRecoversWithoutARestart() throws Exception {
        long pid = service.process.pid();
        String tailed = "tailed-" + System.nanoTime();
        create(tailed);
        append(tailed, 1, "before");
        List<String> streams = new ArrayList<>();
        for (int p = 0; p < PRODUCERS; p++) {
            streams.add("outage-" + p + "-" + System.nanoTime());
            create(streams.get(p));
        }

        // a client that resumes with Last-Event-ID whenever its connection ends
        List<Integer> tailSeqs = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean stopTail = new AtomicBoolean();
        ExecutorService threads = Executors.newCachedThreadPool();
        Future<?> tail = threads.submit(() -> {
            String lastEventId = null;
            while (!stopTail.get()) {
                try (SseClient client = SseClient.open(service.uri("/v1/streams/" + tailed + "/events"), lastEventId, api.readerToken())) {
                    int seen = 0;
                    while (!client.hasEnded() && !stopTail.get()) {
                        List<SseClient.Frame> frames = client.journalFrames();
                        for (; seen < frames.size(); seen++) {
                            tailSeqs.add(Integer.parseInt(frames.get(seen).id()));
                            lastEventId = frames.get(seen).id();
                        }
                        Thread.sleep(20);
                    }
                    List<SseClient.Frame> frames = client.journalFrames();
                    for (; seen < frames.size(); seen++) {
                        tailSeqs.add(Integer.parseInt(frames.get(seen).id()));
                        lastEventId = frames.get(seen).id();
                    }
                }
                Thread.sleep(200);
            }
            return null;
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> tailSeqs.contains(1));

        // producers append one event at a time with explicit seqs, retrying each until it is acknowledged
        AtomicBoolean stopProducers = new AtomicBoolean();
        Map<String, Integer> acknowledged = new ConcurrentHashMap<>();
        ConcurrentLinkedQueue<Probe> probes = new ConcurrentLinkedQueue<>();
        List<Future<?>> producers = new ArrayList<>();
        for (String stream : streams) {
            producers.add(threads.submit(() -> {
                int seq = 1;
                while (!stopProducers.get()) {
                    long started = System.nanoTime();
                    try {
                        Http.Answer answer = api.append(stream, token(seq, String.valueOf(seq)));
                        probes.add(new Probe(started, System.nanoTime(), "append", answer.status(), answer.slug(),
                                answer.millis()));
                        if (answer.status() == 200) {
                            acknowledged.put(stream, seq);
                            seq++;
                        } else {
                            Thread.sleep(100);
                        }
                    } catch (IOException e) {
                        probes.add(new Probe(started, System.nanoTime(), "append", -1, e.toString(), 0));
                        Thread.sleep(100);
                    }
                }
                return null;
            }));
        }
        // readers: a status, a page and a settlement, over and over
        producers.add(threads.submit(() -> {
            List<String> paths = List.of("/v1/streams/" + tailed, "/v1/streams/" + tailed + "/events?after=0",
                    "/v1/streams/" + tailed + "/settlement", "/v1/sessions/" + tailed + "-s");
            for (int i = 0; !stopProducers.get(); i++) {
                String path = paths.get(i % paths.size());
                long started = System.nanoTime();
                try {
                    Http.Answer answer = api.read(path);
                    probes.add(new Probe(started, System.nanoTime(), "GET " + path, answer.status(), answer.slug(),
                            answer.millis()));
                } catch (IOException e) {
                    probes.add(new Probe(started, System.nanoTime(), "GET " + path, -1, e.toString(), 0));
                }
                Thread.sleep(50);
            }
            return null;
        }));
        await().atMost(Duration.ofSeconds(30)).until(() -> acknowledged.size() == PRODUCERS
                && acknowledged.values().stream().allMatch(seq -> seq >= 20));

        postgres.stopForNow();
        long down = System.nanoTime();
        await().atMost(Duration.ofSeconds(5)).until(() -> service.status("/q/health/ready") == 503);
        assertThat(service.status("/q/health/live")).isEqualTo(200);
        Thread.sleep(OUTAGE.toMillis());
        long up = System.nanoTime();
        postgres.startAgain();
        await().atMost(Duration.ofSeconds(60)).until(() -> service.status("/q/health/ready") == 200);
        Map<String, Integer> atRecovery = Map.copyOf(acknowledged);
        await().atMost(Duration.ofSeconds(60)).until(() -> streams.stream()
                .allMatch(stream -> acknowledged.get(stream) >= atRecovery.get(stream) + 10));
        stopProducers.set(true);
        for (Future<?> producer : producers) {
            producer.get(1, TimeUnit.MINUTES);
        }

        // the tail opened before the outage: what is appended now reaches it through the LISTEN connection
        // (a change another replica committed, announced only by NOTIFY) and through this replica
        try (Connection db = DriverManager.getConnection(postgres.jdbcUrl(), EmbeddedPostgres.USER, "")) {
            appendAsAnotherReplica(db, tailed, 2);
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> tailSeqs.contains(2));
        append(tailed, 3, "after");
        await().atMost(Duration.ofSeconds(15)).until(() -> tailSeqs.contains(3));
        stopTail.set(true);
        tail.get(1, TimeUnit.MINUTES);
        threads.shutdown();
        assertThat(tailSeqs).as("the tail across the outage: no gap, no duplicate").containsExactly(1, 2, 3);

        // every request that started and ended while the database was down: 503 unavailable within 1 s
        List<Probe> during = probes.stream().filter(p -> p.startNanos() > down && p.endNanos() < up).toList();
        assertThat(during).as("requests during the outage").hasSizeGreaterThan(50);
        assertThat(during).allSatisfy(probe -> {
            assertThat(probe.status()).as(probe.toString()).isEqualTo(503);
            assertThat(probe.slug()).as(probe.toString()).isEqualTo("unavailable");
            assertThat(probe.millis()).as(probe.toString()).isLessThan(1000);
        });
        assertThat(probes).as("no 500 and no broken connection at any time")
                .noneMatch(probe -> probe.status() == 500 || probe.status() == -1);

        // no acknowledged append lost, and the journals gapless
        try (Connection db = DriverManager.getConnection(postgres.jdbcUrl(), EmbeddedPostgres.USER, "")) {
            for (String stream : streams) {
                assertThat(Db.seqs(db, stream)).as(stream)
                        .containsExactlyElementsOf(IntStream.rangeClosed(1, acknowledged.get(stream))
                                .boxed().toList());
            }
        }
        assertThat(service.process.isAlive()).isTrue();
        assertThat(service.process.pid()).as("no restart").isEqualTo(pid);
        long maxMillis = during.stream().mapToLong(Probe::millis).max().orElse(0);
        Files.writeString(Path.of("target", "outage-drill.txt"), String.format(
                "outage: %d s%nrequests during the outage: %d, all 503 unavailable, slowest %d ms%n"
                        + "acknowledged appends checked: %d%n",
                OUTAGE.toSeconds(), during.size(), maxMillis, acknowledged.values().stream().mapToInt(Integer::intValue).sum()));
    }

    private static void create(String stream) throws Exception {
        Http.Answer created = api.create(stream + "-s", stream, Map.of("leaseSeconds", 600));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
    }

    private static void append(String stream, int seq, String text) throws Exception {
        Http.Answer appended = api.append(stream, token(seq, text));
        assertThat(appended.status()).as(appended.body()).isEqualTo(200);
    }

    /** What another replica's append of one token commits and announces: the row, then only a NOTIFY. */
    private static void appendAsAnotherReplica(Connection db, String stream, int seq) throws Exception {
        try (PreparedStatement insert = db.prepareStatement("""
                insert into journal_events (stream_id, seq, session_id, tenant, type, data, principal)
                select stream_id, ?, session_id, tenant, 'token', '{"text":"elsewhere"}', 'replica-b'
                  from streams where stream_id = ?""");
                PreparedStatement update = db.prepareStatement("update streams set last_seq = ? where stream_id = ?");
                PreparedStatement notify = db.prepareStatement("select pg_notify('journal', ?)")) {
            insert.setInt(1, seq);
            insert.setString(2, stream);
            assertThat(insert.executeUpdate()).isEqualTo(1);
            update.setInt(1, seq);
            update.setString(2, stream);
            update.executeUpdate();
            notify.setString(1, "{\"replica\":\"replica-b\",\"changes\":[[\"" + stream + "-s\",\"" + stream + "\"," + seq + ",0]]}");
            notify.executeQuery().close();
        }
    }
}
