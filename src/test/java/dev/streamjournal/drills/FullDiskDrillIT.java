package dev.streamjournal.drills;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamjournal.support.Db;
import dev.streamjournal.support.DrillLoad;
import dev.streamjournal.support.DrillLoad.Probe;
import dev.streamjournal.support.Replica;
import dev.streamjournal.support.SystemPostgres;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The database's disk fills under load. The data directory lives on a small {@code tmpfs} mounted for the
 * drill, its WAL on another disk (the layout of a separate WAL volume); a file written by someone else
 * takes the last byte. Appends then get 503 {@code unavailable} (SQLSTATE 53100) quickly, never a 500,
 * while reads go on and readiness stays UP (the database answers; another replica could not write either).
 * Once the file is deleted, writes resume without a restart. Every acknowledged append is there once,
 * and the journals are gapless.
 */
class FullDiskDrillIT {

    private static final String TENANT = "disk";
    private static final int PRODUCERS = 4;
    private static final String DISK_SIZE = "96m";

    @Test
    void aFullDataDisk_refusesAppendsWith503_servesReads_andWritesResumeOnceSpaceIsFreed() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(SystemPostgres.BIN.resolve("initdb")),
                "the full-disk drill needs the system PostgreSQL 15 (scripts/prerequisites installs it)");
        Path root = SystemPostgres.root("stream-journal-disk-");
        Path disk = root.resolve("disk");
        try (SmallDisk mounted = SmallDisk.mount(disk)) {
            Path data = disk.resolve("pg");
            SystemPostgres.initdb(data, "--waldir=" + root.resolve("wal"));
            int port = SystemPostgres.freePort();
            SystemPostgres.start(data, port, root.resolve("pg.log"), "-c max_connections=100");
            try (Replica service = Replica.start("full-disk", Replica.environment(SystemPostgres.datasource(port)))) {
                service.awaitReady();
                long pid = service.process.pid();
                try (DrillLoad load = new DrillLoad(service, TENANT, PRODUCERS)) {
                    load.start();

                    // something else takes the disk's last byte; appends are refused once they need a new page
                    Path ballast = disk.resolve("ballast");
                    long filled = fill(ballast);
                    long full = System.nanoTime();
                    await().atMost(Duration.ofSeconds(60)).until(() -> load.between(full, Long.MAX_VALUE).stream()
                            .anyMatch(p -> p.what().equals("append") && p.status() == 503));
                    long refused = System.nanoTime();
                    // an append may still fit where a page has room left; soon none does
                    await().atMost(Duration.ofSeconds(60)).until(() -> lastAppends(load, 2 * PRODUCERS).stream()
                            .allMatch(p -> p.status() == 503));
                    // and stays full for a while under the load
                    load.awaitProbesAfter(System.nanoTime(), 200);
                    assertThat(service.status("/q/health/ready")).as("readiness while the disk is full").isEqualTo(200);
                    Map<String, Integer> whileFull = Map.copyOf(load.acknowledged);

                    // the space comes back: writes resume, same process
                    Files.delete(ballast);
                    long freed = System.nanoTime();
                    load.awaitProgress(whileFull, 10);
                    double resumed = (System.nanoTime() - freed) / 1e9;
                    load.stopProducers();
                    load.endTailedStream("the full disk");

                    // while the disk was full: appends 503 unavailable within 1 s, reads served
                    List<Probe> during = load.between(refused, freed);
                    List<Probe> appends = during.stream().filter(p -> p.what().equals("append")).toList();
                    List<Probe> reads = during.stream().filter(p -> !p.what().equals("append")).toList();
                    List<Probe> refusals = appends.stream().filter(p -> p.status() != 200).toList();
                    assertThat(refusals).as("appends refused while the disk was full").hasSizeGreaterThan(20)
                            .allSatisfy(probe -> {
                                assertThat(probe.status()).as(probe.toString()).isEqualTo(503);
                                assertThat(probe.slug()).as(probe.toString()).isEqualTo("unavailable");
                                assertThat(probe.millis()).as(probe.toString()).isLessThan(1000);
                            });
                    assertThat(reads).as("reads while the disk was full").hasSizeGreaterThan(5)
                            .allSatisfy(probe -> assertThat(probe.status()).as(probe.toString()).isEqualTo(200));
                    load.assertNoBrokenAnswers();

                    // nothing acknowledged lost, nothing refused written
                    try (Connection db = DriverManager.getConnection(SystemPostgres.jdbcUrl(port), SystemPostgres.USER, "")) {
                        for (String stream : load.streams) {
                            assertThat(Db.seqs(db, stream)).as(stream).containsExactlyElementsOf(
                                    IntStream.rangeClosed(1, load.acknowledged.get(stream)).boxed().toList());
                        }
                    }
                    assertThat(service.process.pid()).as("no restart").isEqualTo(pid);
                    long slowest = refusals.stream().mapToLong(Probe::millis).max().orElse(0);
                    Files.writeString(Path.of("target", "full-disk-drill.txt"), String.format(
                            "full data disk (%s tmpfs, WAL elsewhere): %d MiB of ballast; first append refused %.1f s"
                                    + " after the disk filled; while full %d appends refused, all 503 unavailable (slowest %d ms),"
                                    + " %d acknowledged where a page had room, %d reads all 200; writes resumed %.1f s"
                                    + " after the space was freed;"
                                    + " acknowledged appends checked %d, lost 0%n",
                            DISK_SIZE, filled >> 20, (refused - full) / 1e9, refusals.size(), slowest,
                            appends.size() - refusals.size(), reads.size(),
                            resumed, load.acknowledgedTotal()));
                }
            } finally {
                SystemPostgres.stop(data, "immediate");
            }
        } finally {
            SystemPostgres.remove(root);
        }
    }

    /** The last {@code count} appends answered (fewer at first). */
    private static List<Probe> lastAppends(DrillLoad load, int count) {
        List<Probe> appends = load.probes.stream().filter(p -> p.what().equals("append")).toList();
        return appends.subList(Math.max(0, appends.size() - count), appends.size());
    }

    /** Writes {@code file} until the disk has no byte left; returns its size. */
    private static long fill(Path file) throws IOException {
        ByteBuffer block = ByteBuffer.allocate(1 << 20);
        long written = 0;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            while (true) {
                block.clear();
                written += channel.write(block);
            }
        } catch (IOException full) {
            if (!String.valueOf(full.getMessage()).contains("No space left")) {
                throw full;
            }
        }
        return written;
    }

    /** A {@code tmpfs} of {@value #DISK_SIZE} mounted for the drill, owned by the servers' user. */
    private record SmallDisk(Path mountPoint) implements AutoCloseable {

        static SmallDisk mount(Path mountPoint) throws IOException, InterruptedException {
            Files.createDirectory(mountPoint);
            Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=" + DISK_SIZE + ",mode=0755",
                    "tmpfs", mountPoint.toString()).redirectErrorStream(true).start();
            String output = new String(mount.getInputStream().readAllBytes());
            Assumptions.assumeTrue(mount.waitFor() == 0,
                    "the full-disk drill mounts a tmpfs and needs root with CAP_SYS_ADMIN; mount said: " + output.strip());
            run("chown", SystemPostgres.USER + ":" + SystemPostgres.USER, mountPoint.toString());
            return new SmallDisk(mountPoint);
        }

        @Override
        public void close() throws IOException, InterruptedException {
            run("umount", "-l", mountPoint.toString());
        }

        private static void run(String... command) throws IOException, InterruptedException {
            Process process = new ProcessBuilder(command).inheritIO().start();
            assertThat(process.waitFor()).as(String.join(" ", command)).isZero();
        }
    }
}
