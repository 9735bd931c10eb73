package dev.streamjournal.support;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

/**
 * A PostgreSQL primary and its streaming standby on loopback (system PostgreSQL 15, fsync on), the
 * standby named {@code standby}: synchronous ({@code synchronous_standby_names = standby},
 * {@code synchronous_commit = on}: a commit returns once the standby has flushed it) or asynchronous.
 * The standby streams through a {@link SilentProxy}, so that the replication link can go silent and the
 * standby fall behind, as across a congested or partitioned network. The primary can be killed as by a
 * crash and the standby promoted, as a managed database fails over.
 */
public final class StandbyPair implements AutoCloseable {

    private final Path root;
    public final int primary;
    public final int standby;
    public final boolean synchronous;
    private final SilentProxy link;

    private StandbyPair(Path root, SilentProxy link, int primary, int standby, boolean synchronous) {
        this.root = root;
        this.link = link;
        this.primary = primary;
        this.standby = standby;
        this.synchronous = synchronous;
    }

    public static StandbyPair start(boolean synchronous) throws IOException, InterruptedException, SQLException {
        Path root = SystemPostgres.root("stream-journal-standby-");
        int primary = SystemPostgres.freePort();
        int standby = SystemPostgres.freePort();
        SystemPostgres.initdb(root.resolve("primary"));
        SystemPostgres.start(root.resolve("primary"), primary, root.resolve("primary.log"),
                "-c wal_level=replica -c max_wal_senders=5 -c max_connections=100 -c synchronous_commit=on"
                        + (synchronous ? " -c synchronous_standby_names=standby" : ""));
        SilentProxy link = new SilentProxy(() -> primary);
        SystemPostgres.postgres(List.of(SystemPostgres.BIN.resolve("pg_basebackup").toString(),
                "-d", "host=127.0.0.1 port=" + link.port() + " user=" + SystemPostgres.USER + " application_name=standby",
                "-D", root.resolve("standby").toString(), "-R", "-X", "stream", "-c", "fast"));
        SystemPostgres.start(root.resolve("standby"), standby, root.resolve("standby.log"),
                "-c hot_standby=on -c max_connections=100");
        StandbyPair pair = new StandbyPair(root, link, primary, standby, synchronous);
        pair.awaitStreaming();
        return pair;
    }

    /** Waits until the primary streams to the standby (and counts it as synchronous when it is). */
    private void awaitStreaming() {
        String wanted = synchronous ? "sync" : "async";
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
            try (Connection db = connect(primary); Statement statement = db.createStatement();
                    ResultSet rows = statement.executeQuery("select sync_state from pg_stat_replication"
                            + " where application_name = 'standby' and state = 'streaming'")) {
                return rows.next() && wanted.equals(rows.getString(1));
            }
        });
    }

    public Connection connect(int port) throws SQLException {
        return DriverManager.getConnection(SystemPostgres.jdbcUrl(port), SystemPostgres.USER, "");
    }

    /**
     * The replication link goes silent: the standby receives nothing more (its connection stays open, so
     * it does not notice for {@code wal_receiver_timeout}). An asynchronous primary goes on committing.
     */
    public void silenceReplication() {
        link.silence();
    }

    /** Kills the primary as a crash would: no shutdown checkpoint, connections cut. */
    public void killPrimary() throws IOException, InterruptedException {
        SystemPostgres.stop(root.resolve("primary"), "immediate");
    }

    /** Promotes the standby to primary, waiting until it accepts writes. */
    public void promote() throws IOException, InterruptedException {
        SystemPostgres.postgres(List.of(SystemPostgres.BIN.resolve("pg_ctl").toString(), "-D",
                root.resolve("standby").toString(), "-w", "-t", "60", "promote"));
    }

    @Override
    public void close() throws IOException, InterruptedException {
        link.close();
        for (String node : List.of("primary", "standby")) {
            try {
                SystemPostgres.stop(root.resolve(node), "immediate");
            } catch (IOException stopped) {
                // it was killed already
            }
        }
        SystemPostgres.remove(root);
    }
}
