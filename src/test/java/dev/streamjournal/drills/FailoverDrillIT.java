package dev.streamjournal.drills;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamjournal.support.Db;
import dev.streamjournal.support.DrillLoad;
import dev.streamjournal.support.DrillLoad.Probe;
import dev.streamjournal.support.Replica;
import dev.streamjournal.support.SilentProxy;
import dev.streamjournal.support.StandbyPair;
import dev.streamjournal.support.SystemPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL fails over under load, behind a TCP front that stands for the cloud endpoint or the
 * Kubernetes Service (the service connects only to it). The primary is killed as by a crash; the front
 * first leads nowhere, then to the standby before it is promoted (a failover that promoted nothing:
 * read-only), then to the promoted standby. With synchronous replication every acknowledged append is on
 * the new primary exactly once, journals stay gapless, every request meanwhile gets 503 quickly, readiness
 * goes DOWN and UP, and the pool, the LISTEN connection and the tails come back without a restart. The
 * same fault with asynchronous replication and a standby that has fallen behind is run and its loss
 * counted: the appends acknowledged while it was behind.
 */
class FailoverDrillIT {

    private static final String TENANT = "failover";
    private static final int PRODUCERS = 8;
    private static final Path REPORT = Path.of("target", "failover-drill.txt");

    @Test
    void synchronousStandby_promoted_keepsEveryAcknowledgedAppend_andTheServiceRecoversWithoutARestart()
            throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(SystemPostgres.BIN.resolve("pg_basebackup")),
                "the failover drill needs the system PostgreSQL 15 (scripts/prerequisites installs it)");
        try (StandbyPair pair = StandbyPair.start(true)) {
            AtomicInteger target = new AtomicInteger(pair.primary);
            try (SilentProxy front = new SilentProxy(target::get);
                    Replica service = Replica.start("failover", environment(front.port()))) {
                service.awaitReady();
                long pid = service.process.pid();
                try (DrillLoad load = new DrillLoad(service, TENANT, PRODUCERS)) {
                    load.start();

                    // the primary dies; the front leads nowhere until the operator (or the cloud) moves it
                    pair.killPrimary();
                    long down = System.nanoTime();
                    await().atMost(Duration.ofSeconds(10)).until(() -> service.status("/q/health/ready") == 503);
                    assertThat(service.status("/q/health/live")).isEqualTo(200);
                    load.awaitProbesAfter(down, 40);
                    // a failover that promoted nothing: the front leads to the read-only standby
                    long readOnly = System.nanoTime();
                    target.set(pair.standby);
                    load.awaitProbesAfter(readOnly, 40);
                    Map<String, Integer> beforePromotion = Map.copyOf(load.acknowledged);
                    long promoting = System.nanoTime();
                    pair.promote();
                    long up = System.nanoTime();
                    await().atMost(Duration.ofSeconds(60)).until(() -> service.status("/q/health/ready") == 200);
                    load.awaitProgress(beforePromotion, 10);
                    load.stopProducers();

                    // the tail opened before the failover gets what follows, and the settlement, with no gap
                    load.endTailedStream("the failover");

                    // while there was no writable primary: 503 unavailable within 1 s, never a 500 or a hang
                    List<Probe> during = load.between(down, promoting);
                    List<Probe> writesReadOnly = during.stream()
                            .filter(p -> p.startNanos() > readOnly && p.what().equals("append")).toList();
                    assertThat(during).as("requests without a primary").hasSizeGreaterThan(80);
                    assertThat(writesReadOnly).as("appends to the read-only standby").isNotEmpty();
                    assertThat(during).allSatisfy(probe -> {
                        if (probe.what().equals("append") || probe.endNanos() < readOnly) {
                            assertThat(probe.status()).as(probe.toString()).isEqualTo(503);
                        } else {
                            // reads served by the read-only standby (also one that was under way when
                            // the front moved to it), or refused like the rest
                            assertThat(probe.status()).as(probe.toString()).isIn(200, 503);
                        }
                        if (probe.status() == 503) {
                            assertThat(probe.slug()).as(probe.toString()).isEqualTo("unavailable");
                            assertThat(probe.millis()).as(probe.toString()).isLessThan(1000);
                        }
                    });
                    load.assertNoBrokenAnswers();

                    // every acknowledged append on the new primary, once, gapless (an append retried across
                    // the fault may have committed on its last attempt, unacknowledged: at most one more)
                    int checked = 0;
                    try (Connection db = pair.connect(pair.standby)) {
                        for (String stream : load.streams) {
                            List<Integer> seqs = Db.seqs(db, stream);
                            int acked = load.acknowledged.get(stream);
                            assertThat(seqs.size()).as(stream).isBetween(acked, acked + 1);
                            assertThat(seqs).as(stream).containsExactlyElementsOf(
                                    IntStream.rangeClosed(1, seqs.size()).boxed().toList());
                            checked += acked;
                        }
                    }
                    assertThat(load.longPolls.get()).as("long-polls answered").isPositive();
                    assertThat(service.process.isAlive()).isTrue();
                    assertThat(service.process.pid()).as("no restart").isEqualTo(pid);
                    long slowest = during.stream().filter(p -> p.status() == 503).mapToLong(Probe::millis).max().orElse(0);
                    report(String.format("synchronous standby: acknowledged appends checked %d, lost 0;"
                                    + " requests without a writable primary %d (all 503 within %d ms);"
                                    + " ready again %.1f s after the promotion%n", checked, during.size(), slowest,
                            (System.nanoTime() - up) / 1e9));
                }
            }
        }
    }

    /**
     * The same fault with asynchronous replication, run and reported: the standby falls behind (its
     * replication link goes silent) while the primary goes on acknowledging, and the primary dies. What the
     * standby had not received is lost; the journals on the new primary are still gapless prefixes of
     * what was acknowledged.
     */
    @Test
    void asynchronousStandby_behind_losesWhatItHadNotReceived_countedAndReported() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(SystemPostgres.BIN.resolve("pg_basebackup")),
                "the failover drill needs the system PostgreSQL 15 (scripts/prerequisites installs it)");
        try (StandbyPair pair = StandbyPair.start(false)) {
            AtomicInteger target = new AtomicInteger(pair.primary);
            try (SilentProxy front = new SilentProxy(target::get);
                    Replica service = Replica.start("failover-async", environment(front.port()))) {
                service.awaitReady();
                try (DrillLoad load = new DrillLoad(service, TENANT, PRODUCERS)) {
                    load.start();
                    pair.silenceReplication();
                    long behind = System.nanoTime();
                    Map<String, Integer> streamed = Map.copyOf(load.acknowledged);
                    load.awaitProgress(streamed, 10);
                    pair.killPrimary();
                    double lag = (System.nanoTime() - behind) / 1e9;
                    load.stopProducers();
                    Map<String, Integer> acknowledged = Map.copyOf(load.acknowledged);
                    pair.promote();
                    target.set(pair.standby);
                    await().atMost(Duration.ofSeconds(60)).until(() -> service.status("/q/health/ready") == 200);

                    int lost = 0;
                    int whileBehind = 0;
                    try (Connection db = pair.connect(pair.standby)) {
                        for (String stream : load.streams) {
                            List<Integer> seqs = Db.seqs(db, stream);
                            assertThat(seqs).as(stream).containsExactlyElementsOf(
                                    IntStream.rangeClosed(1, seqs.size()).boxed().toList());
                            assertThat(seqs.size()).as(stream).isLessThanOrEqualTo(acknowledged.get(stream) + 1);
                            lost += Math.max(0, acknowledged.get(stream) - seqs.size());
                            whileBehind += acknowledged.get(stream) - streamed.get(stream);
                        }
                    }
                    // the appends acknowledged after the link went silent: their commits cannot have reached
                    // the standby, save the one per producer that may have been committed just before
                    assertThat(lost).as("acknowledged appends the standby never received")
                            .isGreaterThanOrEqualTo(whileBehind - PRODUCERS);
                    report(String.format("asynchronous standby %.1f s behind: acknowledged appends %d, %d of them"
                                    + " while it was behind; lost at the failover %d%n",
                            lag, load.acknowledgedTotal(), whileBehind, lost));
                }
            }
        }
    }

    private static Map<String, String> environment(int port) {
        Map<String, String> env = Replica.environment(SystemPostgres.datasource(port));
        env.put("JOURNAL_LIVE_SWEEP_INTERVAL", "1h");
        return env;
    }

    private static void report(String line) throws IOException {
        Files.createDirectories(REPORT.getParent());
        Files.writeString(REPORT, line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
}
