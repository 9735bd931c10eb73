package dev.streamjournal.drills;

import static dev.streamjournal.support.Api.token;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamjournal.embedded.EmbeddedPostgres;
import dev.streamjournal.support.Db;
import dev.streamjournal.support.DrillLoad;
import dev.streamjournal.support.DrillLoad.Probe;
import dev.streamjournal.support.Http;
import dev.streamjournal.support.Replica;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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

    @BeforeAll
    static void start() throws IOException {
        dataDir = Files.createTempDirectory("stream-journal-outage-drill-");
        postgres = EmbeddedPostgres.start(dataDir.resolve("data"), false);
        Map<String, String> env = Replica.environment(postgres);
        env.put("JOURNAL_LIVE_SWEEP_INTERVAL", "1h");
        service = Replica.start("outage", env);
        service.awaitReady();
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

    @Test
    void databaseStoppedForTenSeconds_answers503Fast_andRecoversWithoutARestart() throws Exception {
        long pid = service.process.pid();
        try (DrillLoad load = new DrillLoad(service, TENANT, PRODUCERS)) {
            load.start();

            postgres.stopForNow();
            long down = System.nanoTime();
            await().atMost(Duration.ofSeconds(5)).until(() -> service.status("/q/health/ready") == 503);
            assertThat(service.status("/q/health/live")).isEqualTo(200);
            Thread.sleep(OUTAGE.toMillis());
            long up = System.nanoTime();
            postgres.startAgain();
            await().atMost(Duration.ofSeconds(60)).until(() -> service.status("/q/health/ready") == 200);
            load.awaitProgress(Map.copyOf(load.acknowledged), 10);
            load.stopProducers();

            // the tail opened before the outage: what is appended now reaches it through the LISTEN
            // connection (a change another replica committed, announced only by NOTIFY) and through this replica
            try (Connection db = DriverManager.getConnection(postgres.jdbcUrl(), EmbeddedPostgres.USER, "")) {
                appendAsAnotherReplica(db, load.tailed, 2);
            }
            await().atMost(Duration.ofSeconds(15)).until(() -> load.tailSeqs.contains(2));
            Http.Answer after = load.api.append(load.tailed, token(3, "after"));
            assertThat(after.status()).as(after.body()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(15)).until(() -> load.tailSeqs.contains(3));
            assertThat(load.tailSeqs).as("the tail across the outage: no gap, no duplicate").containsExactly(1, 2, 3);

            // every request that started and ended while the database was down: 503 unavailable within 1 s
            List<Probe> during = load.between(down, up);
            assertThat(during).as("requests during the outage").hasSizeGreaterThan(50);
            assertThat(during).allSatisfy(probe -> {
                assertThat(probe.status()).as(probe.toString()).isEqualTo(503);
                assertThat(probe.slug()).as(probe.toString()).isEqualTo("unavailable");
                assertThat(probe.millis()).as(probe.toString()).isLessThan(1000);
            });
            load.assertNoBrokenAnswers();

            // no acknowledged append lost, and the journals gapless
            try (Connection db = DriverManager.getConnection(postgres.jdbcUrl(), EmbeddedPostgres.USER, "")) {
                for (String stream : load.streams) {
                    assertThat(Db.seqs(db, stream)).as(stream)
                            .containsExactlyElementsOf(IntStream.rangeClosed(1, load.acknowledged.get(stream))
                                    .boxed().toList());
                }
            }
            assertThat(service.process.isAlive()).isTrue();
            assertThat(service.process.pid()).as("no restart").isEqualTo(pid);
            long maxMillis = during.stream().mapToLong(Probe::millis).max().orElse(0);
            Files.writeString(Path.of("target", "outage-drill.txt"), String.format(
                    "outage: %d s%nrequests during the outage: %d, all 503 unavailable, slowest %d ms%n"
                            + "acknowledged appends checked: %d%n",
                    OUTAGE.toSeconds(), during.size(), maxMillis, load.acknowledgedTotal()));
        }
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
