package dev.streamjournal.audit;

import static dev.streamjournal.support.Api.createStream;
import static dev.streamjournal.support.Api.id;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamjournal.security.Caller;
import dev.streamjournal.common.Topology;
import dev.streamjournal.journal.StreamDirectory;
import dev.streamjournal.support.Db;
import dev.streamjournal.support.PostgresResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.PgConnection;
import io.vertx.mutiny.pgclient.PgPool;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.PoolOptions;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The audit tail when more than one database role writes the journal (rotating credentials, one user
 * per pod): a role that is not in {@code pg_read_all_stats} sees another role's open transaction by its
 * xid but not its start. Roles {@code writer_a} and {@code writer_b} write here over real connections.
 */
@QuarkusTest
class WriterRolesTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Inject
    Db db;

    @Inject
    Vertx vertx;

    @Inject
    StreamDirectory directory;

    @Inject
    Topology topology;

    private SqlConnection connectAs(String role) {
        PgConnectOptions options = PgConnectOptions.fromUri(PostgresResource.reactiveUrl()).setUser(role);
        return PgConnection.connect(vertx, options).await().atMost(TIMEOUT);
    }

    private static Row one(SqlConnection connection, String sql, Object... args) {
        return connection.preparedQuery(sql).execute(Tuple.from(args)).await().atMost(TIMEOUT).iterator().next();
    }

    private static void insert(SqlConnection connection, String stream, String session) {
        connection.preparedQuery("""
                        insert into journal_events (stream_id, seq, session_id, tenant, type, data, principal)
                        values ($1, 1, $2, 'default', 'token', '{}', current_user)""")
                .execute(Tuple.of(stream, session)).await().atMost(TIMEOUT);
    }

    private void writerRoles() {
        db.rows("""
                do $$
                begin
                    create role writer_a login;
                    create role writer_b login;
                exception when duplicate_object then null;
                end $$""");
        db.rows("revoke pg_read_all_stats from writer_a");
        db.rows("grant select, insert, update on all tables in schema public to writer_a, writer_b");
    }

    @Test
    void anotherRolesOpenTransaction_holdsTheTail_untilItEnds_unlessTheRoleSeesAllActivity() {
        writerRoles();
        String session = id("s");
        String x = id("x");
        String y = id("y");
        String sessionOfY = id("s");
        createStream(session, x);
        createStream(sessionOfY, y);
        SqlConnection a = connectAs("writer_a");
        SqlConnection b = connectAs("writer_b");
        try {
            assertThat(one(a, AuditRepository.SEES_ALL_ACTIVITY).getBoolean("sees_all")).isFalse();
            assertThat(db.rows(AuditRepository.SEES_ALL_ACTIVITY).get(0).getBoolean("sees_all"))
                    .as("the superuser sees all").isTrue();

            // writer_b holds the smaller position in an open transaction; writer_a commits the next one
            b.query("begin").execute().await().atMost(TIMEOUT);
            insert(b, x, session);
            OffsetDateTime bStarted = one(b, "select now() as started").getOffsetDateTime("started");
            insert(a, y, sessionOfY);
            OffsetDateTime yInserted = one(a, "select inserted_at from journal_events where stream_id = $1", y)
                    .getOffsetDateTime("inserted_at");

            Row seenByA = one(a, AuditRepository.SAFE_BEFORE);
            assertThat(seenByA.getBoolean("start_unknown")).isTrue();
            assertThat(seenByA.getOffsetDateTime("safe_before"))
                    .as("without the unknown start, writer_a's reader would take y and skip x")
                    .isAfter(yInserted);
            assertThat(AuditRepository.safeBefore(seenByA).time()).as("held").isEqualTo(OffsetDateTime.MIN);
            assertThat(SafePrefix.length(List.of(yInserted), t -> t, AuditRepository.safeBefore(seenByA).time()))
                    .isZero();

            // a role in pg_read_all_stats sees the start, and takes what was inserted before it
            db.rows("grant pg_read_all_stats to writer_a");
            Row seenWithStats = one(a, AuditRepository.SAFE_BEFORE);
            assertThat(seenWithStats.getBoolean("start_unknown")).isFalse();
            assertThat(AuditRepository.safeBefore(seenWithStats).time()).isBeforeOrEqualTo(bStarted).isBefore(yInserted);
            db.rows("revoke pg_read_all_stats from writer_a");

            b.query("commit").execute().await().atMost(TIMEOUT);
            // until no other transaction of another role is in flight (the service's own sweeps run as one)
            Row afterCommit = await().atMost(TIMEOUT).until(() -> one(a, AuditRepository.SAFE_BEFORE),
                    row -> !row.getBoolean("start_unknown"));
            assertThat(AuditRepository.safeBefore(afterCommit).time()).isAfter(yInserted);
        } finally {
            a.close().await().atMost(TIMEOUT);
            b.close().await().atMost(TIMEOUT);
        }
    }

    /** An export by a role that cannot see writer_b's start waits while writer_b holds a position, then takes it. */
    @Test
    void anExport_waitsOutAHold_insteadOfEndingEarly() throws Exception {
        writerRoles();
        String x = id("x");
        String y = id("y");
        String sessionOfX = id("s");
        String sessionOfY = id("s");
        createStream(sessionOfX, x);
        createStream(sessionOfY, y);
        long start = db.scalarLong("select coalesce(max(position), 0) from journal_events");
        Pool poolOfA = PgPool.pool(vertx, PgConnectOptions.fromUri(PostgresResource.reactiveUrl()).setUser("writer_a"),
                new PoolOptions().setMaxSize(2));
        AuditService auditAsA = new AuditService(new AuditRepository(poolOfA, directory, topology));
        SqlConnection a = connectAs("writer_a");
        SqlConnection b = connectAs("writer_b");
        try {
            b.query("begin").execute().await().atMost(TIMEOUT);
            insert(b, x, sessionOfX);
            insert(a, y, sessionOfY);
            List<String> exported = new CopyOnWriteArrayList<>();
            CompletableFuture<Void> ended = new CompletableFuture<>();
            auditAsA.exportEvents(new AuditFilter(null, null, null, null, null), start, Caller.ANONYMOUS)
                    .subscribe().with(event -> exported.add(event.streamId()), ended::completeExceptionally,
                            () -> ended.complete(null));

            // held: the export neither ends nor hands out y while x's position is in flight
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
                    .until(() -> !ended.isDone() && exported.isEmpty());
            b.query("commit").execute().await().atMost(TIMEOUT);

            ended.get(30, TimeUnit.SECONDS);
            assertThat(exported).containsExactly(x, y);
        } finally {
            a.close().await().atMost(TIMEOUT);
            b.close().await().atMost(TIMEOUT);
            poolOfA.close().await().atMost(TIMEOUT);
        }
    }
}
