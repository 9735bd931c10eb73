package dev.streamjournal.support;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Servers of the system's PostgreSQL 15 ({@code /usr/lib/postgresql/15/bin}) on loopback, for the tests
 * that need more than one (a Citus cluster, a primary and its standby). As root the servers run as user
 * {@code postgres}; their data lives under a directory of their own, removed at the end.
 */
public final class SystemPostgres {

    public static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");
    public static final String USER = "postgres";
    public static final String DATABASE = "postgres";

    private SystemPostgres() {
    }

    /** A directory for servers' data and logs, which user {@code postgres} may write. */
    public static Path root(String prefix) throws IOException, InterruptedException {
        Path root = Files.createTempDirectory(prefix);
        run(List.of("chmod", "755", root.toString()), false);
        if (asRoot()) {
            run(List.of("chown", USER + ":" + USER, root.toString()), false);
        }
        return root;
    }

    /**
     * A new cluster in {@code data}: superuser {@code postgres}, trusted on loopback (replication too),
     * with initdb's other {@code options}.
     */
    public static void initdb(Path data, String... options) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(BIN.resolve("initdb").toString(), "-D", data.toString(),
                "-U", USER, "--auth=trust", "-E", "UTF8", "--no-locale"));
        command.addAll(List.of(options));
        postgres(command);
    }

    /** Starts the server of {@code data} on {@code port}, its log in {@code log}, with {@code options}. */
    public static void start(Path data, int port, Path log, String options) throws IOException, InterruptedException {
        postgres(List.of(BIN.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", log.toString(), "-w", "-t", "120",
                "-o", "-c listen_addresses=127.0.0.1 -p " + port + " -c unix_socket_directories=" + data.getParent()
                        + " " + options, "start"));
    }

    /** Stops the server of {@code data} ({@code immediate}: as a crash would). */
    public static void stop(Path data, String mode) throws IOException, InterruptedException {
        postgres(List.of(BIN.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", mode, "-w", "stop"));
    }

    /** Runs a PostgreSQL program as the servers' user. */
    public static void postgres(List<String> command) throws IOException, InterruptedException {
        run(command, asRoot());
    }

    public static void remove(Path root) throws IOException, InterruptedException {
        run(List.of("rm", "-rf", root.toString()), false);
    }

    public static String jdbcUrl(int port) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE;
    }

    /** The service's datasource settings for the server on {@code port}, for {@link Replica#environment(Map)}. */
    public static Map<String, String> datasource(int port) {
        return Map.of("quarkus.datasource.reactive.url", "postgresql://127.0.0.1:" + port + "/" + DATABASE,
                "quarkus.datasource.jdbc.url", jdbcUrl(port), "quarkus.datasource.username", USER);
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static boolean asRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static void run(List<String> command, boolean asPostgres) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>();
        if (asPostgres) {
            full.addAll(List.of("runuser", "-u", USER, "--"));
        }
        full.addAll(command);
        Process process = new ProcessBuilder(full).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(180, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException(String.join(" ", full) + " failed:\n" + output);
        }
    }
}
