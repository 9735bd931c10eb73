package dev.streamjournal.support;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Citus cluster on loopback for tests: a coordinator and workers, each a PostgreSQL 15 server of the
 * system ({@code /usr/lib/postgresql/15}, with Citus installed by {@code scripts/citus/install.sh})
 * with the {@code citus} extension, the workers added to the coordinator. As root the servers run as
 * user {@code postgres}.
 */
public final class CitusCluster implements AutoCloseable {

    public static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");
    public static final String USER = "postgres";
    public static final String DATABASE = "postgres";

    private final Path root;
    public final int coordinator;
    public final List<Integer> workers;

    private CitusCluster(Path root, int coordinator, List<Integer> workers) {
        this.root = root;
        this.coordinator = coordinator;
        this.workers = workers;
    }

    /** True when this machine has Citus for the system PostgreSQL. */
    public static boolean installed() {
        return Files.exists(Path.of("/usr/lib/postgresql/15/lib/citus.so"));
    }

    /** Starts a coordinator and {@code workers} workers, each with the extension, the workers added. */
    public static CitusCluster start(int workers) throws IOException, InterruptedException, SQLException {
        Path root = Files.createTempDirectory("stream-journal-citus-");
        runAs(List.of("chmod", "755", root.toString()), false);
        if (asRoot()) {
            runAs(List.of("chown", USER + ":" + USER, root.toString()), false);
        }
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i <= workers; i++) {
            int port = freePort();
            ports.add(port);
            Path data = root.resolve(Integer.toString(port));
            postgres(List.of(BIN.resolve("initdb").toString(), "-D", data.toString(), "-U", USER, "--auth=trust",
                    "-E", "UTF8", "--no-locale"));
            postgres(List.of(BIN.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", root.resolve(port + ".log").toString(),
                    "-w", "-t", "120", "-o", "-c shared_preload_libraries=citus -c listen_addresses=127.0.0.1 -p " + port
                            + " -c unix_socket_directories=" + root + " -c fsync=off -c max_connections=200", "start"));
        }
        CitusCluster cluster = new CitusCluster(root, ports.get(0), List.copyOf(ports.subList(1, ports.size())));
        for (int port : ports) {
            cluster.execute(port, "create extension citus");
        }
        cluster.execute(cluster.coordinator, "select citus_set_coordinator_host('127.0.0.1', " + cluster.coordinator + ")");
        for (int port : cluster.workers) {
            cluster.execute(cluster.coordinator, "select citus_add_node('127.0.0.1', " + port + ")");
        }
        return cluster;
    }

    public String jdbcUrl(int port) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE;
    }

    public Connection connect(int port) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(port), USER, "");
    }

    /** The Quarkus datasource properties of a service on the coordinator. */
    public Map<String, String> datasource() {
        Map<String, String> datasource = new HashMap<>();
        datasource.put("quarkus.datasource.reactive.url", "postgresql://127.0.0.1:" + coordinator + "/" + DATABASE);
        datasource.put("quarkus.datasource.jdbc.url", jdbcUrl(coordinator));
        datasource.put("quarkus.datasource.username", USER);
        return datasource;
    }

    public void execute(int port, String sql) throws SQLException {
        try (Connection connection = connect(port); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    /** The server log of a node, for a failure's message. */
    public String log(int port) throws IOException {
        return Files.readString(root.resolve(port + ".log"), StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        List<Integer> ports = new ArrayList<>(workers);
        ports.add(0, coordinator);
        for (int port : ports) {
            postgres(List.of(BIN.resolve("pg_ctl").toString(), "-D", root.resolve(Integer.toString(port)).toString(),
                    "-m", "immediate", "-w", "stop"));
        }
        runAs(List.of("rm", "-rf", root.toString()), false);
    }

    private static void postgres(List<String> command) throws IOException, InterruptedException {
        runAs(command, asRoot());
    }

    private static boolean asRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static void runAs(List<String> command, boolean asPostgres) throws IOException, InterruptedException {
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

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
