package dev.streamjournal.drills;

import static dev.streamjournal.support.Api.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamjournal.embedded.EmbeddedPostgres;
import dev.streamjournal.support.ApiClient;
import dev.streamjournal.support.Http;
import dev.streamjournal.support.Replica;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code kill -9} of the service while 8 producers append with explicit seqs and retry every failure
 * with the same batch: after the restart every acknowledged batch is in the journal exactly once, every
 * journal is gapless, and every batch is there whole or not at all.
 */
class KillDrillIT {

    private static final String TENANT = "drill";
    private static final int PRODUCERS = 8;
    private static final Duration REQUEST = Duration.ofSeconds(15);

    private static Path dataDir;
    private static EmbeddedPostgres postgres;
    private static Map<String, String> env;

    @BeforeAll
    static void startDatabase() throws IOException {
        dataDir = Files.createTempDirectory("stream-journal-kill-drill-");
        postgres = EmbeddedPostgres.start(dataDir.resolve("data"), false);
        env = Replica.environment(postgres);
    }

    @AfterAll
    static void stopDatabase() {
        if (postgres != null) {
            postgres.close();
        }
    }

    /** One batch a producer sent: its stream, first seq and size; acknowledged once a 200 came back. */
    private record Batch(String stream, int producer, int number, int firstSeq, int size) {
        List<Map<String, Object>> events() {
            List<Map<String, Object>> events = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                events.add(event(firstSeq + i, "token", Map.of("batch", number, "i", i, "text", "p" + producer + "b" + number)));
            }
            return events;
        }
    }

    @Test
    void killNineUnderLoad_losesNoAcknowledgedAppend_andLeavesNoHalfBatch() throws Exception {
        Replica first = Replica.start("kill-1", env);
        first.awaitReady();
        int port = first.port;
        ApiClient api = new ApiClient(first, TENANT, REQUEST);
        List<String> streams = new ArrayList<>();
        for (int p = 0; p < PRODUCERS; p++) {
            String stream = "kill-" + p + "-" + System.nanoTime();
            Http.Answer created = api.create(stream + "-s", stream, Map.of("leaseSeconds", 600));
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            streams.add(stream);
        }

        AtomicBoolean stop = new AtomicBoolean();
        ConcurrentLinkedQueue<Batch> acknowledged = new ConcurrentLinkedQueue<>();
        AtomicInteger failures = new AtomicInteger();
        AtomicInteger duplicateAnswers = new AtomicInteger();
        ExecutorService producers = Executors.newFixedThreadPool(PRODUCERS);
        List<Future<?>> running = new ArrayList<>();
        for (int p = 0; p < PRODUCERS; p++) {
            int producer = p;
            String stream = streams.get(p);
            running.add(producers.submit(() -> {
                int nextSeq = 1;
                for (int number = 0; !stop.get(); number++) {
                    Batch batch = new Batch(stream, producer, number, nextSeq, ThreadLocalRandom.current().nextInt(1, 6));
                    // the same batch again until it is acknowledged: safe, since a retry of what is stored is a duplicate
                    while (true) {
                        try {
                            Http.Answer answer = api.append(stream, batch.events());
                            if (answer.status() == 200) {
                                if (answer.json().path("duplicates").asInt() > 0) {
                                    duplicateAnswers.incrementAndGet();
                                }
                                assertThat(answer.json().path("lastSeq").asInt()).isEqualTo(batch.firstSeq() + batch.size() - 1);
                                acknowledged.add(batch);
                                break;
                            }
                            assertThat(answer.status()).as(answer.body()).isEqualTo(503);
                        } catch (IOException e) {
                            // the replica is gone: retry once it is back
                        }
                        failures.incrementAndGet();
                        Thread.sleep(50);
                    }
                    nextSeq += batch.size();
                }
                return null;
            }));
        }

        awaitAcknowledged(acknowledged, 200);
        first.process.destroyForcibly().waitFor();
        int acknowledgedAtKill = acknowledged.size();
        Replica second = Replica.start("kill-2", env, port);
        try {
            second.awaitReady();
            awaitAcknowledged(acknowledged, acknowledgedAtKill + 200);
            stop.set(true);
            for (Future<?> producer : running) {
                producer.get(2, TimeUnit.MINUTES);
            }
            producers.shutdown();

            try (Connection db = DriverManager.getConnection(postgres.jdbcUrl(), EmbeddedPostgres.USER, "")) {
                int events = 0;
                for (String stream : streams) {
                    List<int[]> rows = eventsOf(db, stream);
                    for (int i = 0; i < rows.size(); i++) {
                        assertThat(rows.get(i)[0]).as("gapless seq of %s", stream).isEqualTo(i + 1);
                    }
                    assertThat(lastSeq(db, stream)).isEqualTo(rows.size());
                    // each batch whole: the events of a batch number are exactly its size, in one run of seqs
                    Map<Integer, List<int[]>> byBatch = new TreeMap<>();
                    rows.forEach(row -> byBatch.computeIfAbsent(row[1], b -> new ArrayList<>()).add(row));
                    List<Batch> sent = acknowledged.stream().filter(b -> b.stream().equals(stream)).toList();
                    for (Batch batch : sent) {
                        List<int[]> stored = byBatch.remove(batch.number());
                        assertThat(stored).as("acknowledged batch %d of %s", batch.number(), stream).isNotNull();
                        assertThat(stored).extracting(row -> row[0])
                                .containsExactlyElementsOf(IntStream.range(batch.firstSeq(),
                                        batch.firstSeq() + batch.size()).boxed().toList());
                    }
                    assertThat(byBatch).as("stored batches nobody acknowledged in %s", stream).isEmpty();
                    events += rows.size();
                }
                Files.writeString(Path.of("target", "kill-drill.txt"), String.format(
                        "producers: %d%nacknowledged batches: %d (%d at the kill)%nevents checked: %d%n"
                                + "failed attempts retried: %d%nretries answered as duplicates: %d%n",
                        PRODUCERS, acknowledged.size(), acknowledgedAtKill, events, failures.get(), duplicateAnswers.get()));
                assertThat(failures.get()).as("the kill interrupted appends").isPositive();
            }
        } finally {
            stop.set(true);
            producers.shutdownNow();
            second.close();
            first.close();
        }
    }

    private static void awaitAcknowledged(ConcurrentLinkedQueue<Batch> acknowledged, int count) {
        await().atMost(Duration.ofSeconds(120)).until(() -> acknowledged.size() >= count);
    }

    /** The stream's events as {seq, batch number}, in seq order. */
    private static List<int[]> eventsOf(Connection db, String stream) throws Exception {
        try (PreparedStatement query = db.prepareStatement(
                "select seq, (data->>'batch')::int from journal_events where stream_id = ? order by seq")) {
            query.setString(1, stream);
            List<int[]> rows = new ArrayList<>();
            try (ResultSet result = query.executeQuery()) {
                while (result.next()) {
                    rows.add(new int[] {result.getInt(1), result.getInt(2)});
                }
            }
            return rows;
        }
    }

    private static int lastSeq(Connection db, String stream) throws Exception {
        try (PreparedStatement query = db.prepareStatement("select last_seq from streams where stream_id = ?")) {
            query.setString(1, stream);
            try (ResultSet result = query.executeQuery()) {
                result.next();
                return result.getInt(1);
            }
        }
    }
}
