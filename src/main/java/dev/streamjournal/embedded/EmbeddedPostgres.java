package dev.streamjournal.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * A real PostgreSQL server on loopback, for laptops and tests. Binaries come from the
 * {@code io.zonky.test} bundle on the classpath (unpacked once into the temp directory), or else from
 * the system's {@code /usr/lib/postgresql/<version>/bin}. PostgreSQL refuses to run as root, so as root
 * the bundled binaries run in a fresh user namespace ({@code unshare -U}) and the system binaries as
 * user {@code postgres} ({@code runuser}). The data directory is initialised on first use and kept.
 */
public final class EmbeddedPostgres implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(EmbeddedPostgres.class);
    private static final String BUNDLE = "postgres-linux-x86_64.txz";
    public static final String USER = "postgres";
    public static final String DATABASE = "postgres";

    private final Path bin;
    private final List<String> prefix;
    private final Path dataDir;
    private final int port;
    private final boolean durable;
    private final AtomicBoolean stopped = new AtomicBoolean();

    private EmbeddedPostgres(Path bin, List<String> prefix, Path dataDir, int port, boolean durable) {
        this.durable = durable;
        this.bin = bin;
        this.prefix = prefix;
        this.dataDir = dataDir;
        this.port = port;
    }

    /**
     * Starts a server on a free loopback port over {@code dataDir}, creating the cluster if the directory
     * holds none. {@code durable=false} turns fsync off, for throw-away test clusters.
     */
    public static EmbeddedPostgres start(Path dataDir, boolean durable) {
        return start(dataDir, durable, Source.ANY);
    }

    /** Where the binaries may come from. */
    public enum Source {
        /** The bundled binaries where they can run here, else the system's. */
        ANY,
        /** Only the system's {@code /usr/lib/postgresql/<version>/bin}. */
        SYSTEM
    }

    public static EmbeddedPostgres start(Path dataDir, boolean durable, Source source) {
        try {
            Path data = dataDir.toAbsolutePath().normalize();
            Binaries binaries = Binaries.locate(source);
            EmbeddedPostgres server = new EmbeddedPostgres(binaries.bin(), binaries.prefix(), data, freePort(), durable);
            server.initIfEmpty(binaries.runsAsPostgresUser());
            server.stopLeftover();
            server.startServer();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting PostgreSQL", e);
        }
    }

    public int port() {
        return port;
    }

    public String reactiveUrl() {
        return "postgresql://127.0.0.1:" + port + "/" + DATABASE;
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE;
    }

    /** Stops the server as a restart or failover would (fast shutdown), keeping its data and port. */
    public void stopForNow() throws IOException, InterruptedException {
        run(List.of(bin.resolve("pg_ctl").toString(), "-D", dataDir.toString(), "-m", "fast", "-w", "stop"));
    }

    /** Starts a server stopped by {@link #stopForNow()} again, on the same port. */
    public void startAgain() throws IOException, InterruptedException {
        startServer();
    }

    @Override
    /** Stops the server; later calls do nothing. */
    public void close() {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        try {
            run(List.of(bin.resolve("pg_ctl").toString(), "-D", dataDir.toString(), "-m", "fast", "-w", "stop"));
        } catch (IOException e) {
            LOG.warnf("could not stop PostgreSQL on %s: %s", dataDir, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void initIfEmpty(boolean chownToPostgres) throws IOException, InterruptedException {
        if (Files.exists(dataDir.resolve("PG_VERSION"))) {
            return;
        }
        Files.createDirectories(dataDir);
        if (chownToPostgres) {
            exec(List.of("chown", "-R", USER + ":" + USER, dataDir.toString()));
        }
        run(List.of(bin.resolve("initdb").toString(), "-D", dataDir.toString(), "-U", USER, "-A", "trust",
                "-E", "UTF8", "--no-locale"));
    }

    /**
     * A server a killed service left running (it outlives a {@code kill -9} of its parent) still holds the
     * data directory: it is stopped, so the service starts again after a crash as after a clean stop.
     */
    private void stopLeftover() throws IOException, InterruptedException {
        if (!Files.exists(dataDir.resolve("postmaster.pid"))) {
            return;
        }
        try {
            run(List.of(bin.resolve("pg_ctl").toString(), "-D", dataDir.toString(), "status"));
        } catch (IOException notRunning) {
            return; // a stale pid file: PostgreSQL removes it itself at start
        }
        LOG.warnf("a PostgreSQL left running by an earlier run holds %s; stopping it", dataDir);
        run(List.of(bin.resolve("pg_ctl").toString(), "-D", dataDir.toString(), "-m", "fast", "-w", "stop"));
    }

    private void startServer() throws IOException, InterruptedException {
        String options = "-p " + port + " -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"
                + " -c max_connections=200" + (durable ? "" : " -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        run(List.of(bin.resolve("pg_ctl").toString(), "-D", dataDir.toString(), "-l",
                dataDir.resolve("server.log").toString(), "-w", "-t", "120", "-o", options, "start"));
        LOG.infof("embedded PostgreSQL listening on 127.0.0.1:%d, data in %s", port, dataDir);
    }

    private void run(List<String> command) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>(prefix);
        full.addAll(command);
        exec(full);
    }

    private static void exec(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(5, TimeUnit.MINUTES) || process.exitValue() != 0) {
            throw new IOException("'" + String.join(" ", command) + "' failed:\n" + output);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Where the binaries are and how they must be started on this machine. */
    private record Binaries(Path bin, List<String> prefix, boolean runsAsPostgresUser) {

        static Binaries locate(Source source) throws IOException, InterruptedException {
            boolean root = "root".equals(System.getProperty("user.name"));
            Optional<Path> bundled = source == Source.ANY ? unpackBundle() : Optional.empty();
            if (bundled.isPresent() && (!root || works(List.of("unshare", "-U", "true")))) {
                return new Binaries(bundled.get(), root ? List.of("unshare", "-U") : List.of(), false);
            }
            Optional<Path> system = systemBinaries();
            if (system.isPresent()) {
                return root
                        ? new Binaries(system.get(), List.of("runuser", "-u", USER, "--"), true)
                        : new Binaries(system.get(), List.of(), false);
            }
            throw new IllegalStateException("no PostgreSQL binaries: neither the bundled ones "
                    + (bundled.isPresent() ? "(unshare -U is not permitted here) " : "")
                    + "nor /usr/lib/postgresql/*/bin are usable; install PostgreSQL or configure a datasource URL");
        }

        private static Optional<Path> unpackBundle() throws IOException, InterruptedException {
            try (InputStream probe = EmbeddedPostgres.class.getClassLoader().getResourceAsStream(BUNDLE)) {
                if (probe == null || !System.getProperty("os.arch").matches("amd64|x86_64")) {
                    return Optional.empty();
                }
            }
            Path cache = Path.of(System.getProperty("java.io.tmpdir"), "stream-journal-postgres");
            Path target = cache.resolve(bundleVersion());
            if (Files.isExecutable(target.resolve("bin/pg_ctl"))) {
                return Optional.of(target.resolve("bin"));
            }
            Files.createDirectories(cache);
            Path staging = Files.createTempDirectory(cache, "unpack-");
            Process tar = new ProcessBuilder("tar", "-xJf", "-", "-C", staging.toString())
                    .redirectErrorStream(true).start();
            try (InputStream bundle = EmbeddedPostgres.class.getClassLoader().getResourceAsStream(BUNDLE)) {
                bundle.transferTo(tar.getOutputStream());
            }
            tar.getOutputStream().close();
            String output = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (tar.waitFor() != 0) {
                throw new IOException("could not unpack the PostgreSQL bundle: " + output);
            }
            try {
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException alreadyThere) {
                // another process unpacked the same bundle first; use theirs
            }
            return Optional.of(target.resolve("bin"));
        }

        private static String bundleVersion() {
            String location = String.valueOf(EmbeddedPostgres.class.getClassLoader().getResource(BUNDLE));
            return "v" + Integer.toHexString(location.hashCode());
        }

        private static Optional<Path> systemBinaries() throws IOException {
            Path root = Path.of("/usr/lib/postgresql");
            if (!Files.isDirectory(root)) {
                return Optional.empty();
            }
            try (Stream<Path> versions = Files.list(root)) {
                return versions.map(version -> version.resolve("bin"))
                        .filter(bin -> Files.isExecutable(bin.resolve("initdb")))
                        .max(Comparator.comparing(bin -> versionOf(bin.getParent())));
            }
        }

        private static int versionOf(Path dir) {
            try {
                return Integer.parseInt(dir.getFileName().toString());
            } catch (NumberFormatException e) {
                return 0;
            }
        }

        private static boolean works(List<String> command) throws InterruptedException {
            try {
                Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
                process.getInputStream().readAllBytes();
                return process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0;
            } catch (IOException e) {
                return false;
            }
        }
    }
}
