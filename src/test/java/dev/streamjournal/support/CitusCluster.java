package dev.streamjournal.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A Citus cluster on loopback for tests: a coordinator and workers, each a PostgreSQL 15 server of the
 * system ({@code /usr/lib/postgresql/15}, with Citus installed by {@code scripts/citus/install.sh})
 * with the {@code citus} extension, the workers added to the coordinator. As root the servers run as
 * user {@code postgres}.
 */
public final class CitusCluster implements AutoCloseable {

    public static final String USER = SystemPostgres.USER;
    public static final String DATABASE = SystemPostgres.DATABASE;

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
        Path root = SystemPostgres.root("stream-journal-citus-");
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i <= workers; i++) {
            int port = SystemPostgres.freePort();
            ports.add(port);
            Path data = root.resolve(Integer.toString(port));
            SystemPostgres.initdb(data);
            SystemPostgres.start(data, port, root.resolve(port + ".log"),
                    "-c shared_preload_libraries=citus -c fsync=off -c max_connections=200");
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
        return SystemPostgres.jdbcUrl(port);
    }

    public Connection connect(int port) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(port), USER, "");
    }

    /** The Quarkus datasource properties of a service on the coordinator. */
    public Map<String, String> datasource() {
        return SystemPostgres.datasource(coordinator);
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
            SystemPostgres.stop(root.resolve(Integer.toString(port)), "immediate");
        }
        SystemPostgres.remove(root);
    }
}
