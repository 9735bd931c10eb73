package dev.streamjournal.audit;

import dev.streamjournal.journal.JournalRepository;
import dev.streamjournal.live.Change;
import dev.streamjournal.live.Doorbell;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.function.BiFunction;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Prunes closed streams by age, in bounded batches, safely with many replicas. Each pass reads a batch
 * of due streams, oldest first, without locking them (on a sharded journal this read spans the shards),
 * then prunes each in a transaction of its own that locks it with {@code FOR UPDATE SKIP LOCKED} and
 * checks it again, every statement on the stream's shard, and records the pruning in the lifecycle log
 * (which itself is kept). Deleting a stream locks its session too (it bumps the session's revision),
 * session before stream like every other writer, and skips either when another transaction holds it, so
 * it never waits for a lock and cannot deadlock with stream creation.
 */
@ApplicationScoped
public class Retention {

    private static final Logger LOG = Logger.getLogger(Retention.class);
    static final String PRINCIPAL = "system:retention";

    static final String DUE_PAYLOADS = """
            select session_id, stream_id from streams
             where closed and closed_at < now() - make_interval(secs => $1) and payloads_pruned_at is null
             order by closed_at
             limit $2
            """;

    static final String LOCK_DUE_PAYLOADS = """
            select tenant from streams
             where session_id = $1 and stream_id = $2 and payloads_pruned_at is null
               for update skip locked
            """;

    static final String EMPTY_PAYLOADS = """
            update journal_events set data = '{}'::jsonb, data_bytes = 2 where session_id = $1 and stream_id = $2
            """;

    static final String MARK_PRUNED = """
            update streams set payloads_pruned_at = now() where session_id = $1 and stream_id = $2
            """;

    static final String DUE_STREAMS = """
            select session_id, stream_id from streams
             where closed and closed_at < now() - make_interval(secs => $1)
             order by closed_at
             limit $2
            """;

    static final String LOCK_DUE_STREAM = """
            select tenant from streams where session_id = $1 and stream_id = $2 for update skip locked
            """;

    static final String DELETE_EVENTS = """
            delete from journal_events where session_id = $1 and stream_id = $2
            """;

    static final String DELETE_MESSAGES = """
            delete from transcript_messages where session_id = $1 and stream_id = $2
            """;

    static final String REVISE_SESSION = """
            update sessions set revision = revision + 1, updated_at = now() where session_id = $1
            """;

    static final String DELETE_STREAM = """
            delete from streams where session_id = $1 and stream_id = $2
            """;

    private final Pool pool;
    private final RetentionConfig config;
    private final Doorbell doorbell;
    private final LifecycleLog lifecycle;

    public Retention(Pool pool, RetentionConfig config, Doorbell doorbell, LifecycleLog lifecycle) {
        this.doorbell = doorbell;
        this.lifecycle = lifecycle;
        this.pool = pool;
        this.config = config;
    }

    @Scheduled(every = "${journal.retention.interval}", delayed = "${journal.retention.interval}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduled() {
        return prune()
                .onFailure().invoke(failure -> LOG.warnf("retention pass failed: %s", failure.toString()))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    /** One pass of each configured kind; returns how many streams it pruned. */
    public Uni<Integer> prune() {
        Uni<Integer> payloads = config.payloads().map(age -> each(DUE_PAYLOADS, age, this::prunePayloads, false))
                .orElse(Uni.createFrom().item(0));
        return payloads.chain(pruned -> config.streams().map(age -> each(DUE_STREAMS, age, this::pruneStream, true))
                        .orElse(Uni.createFrom().item(0))
                        .map(deleted -> pruned + deleted))
                .invoke(total -> {
                    if (total > 0) {
                        LOG.infof("retention pruned %d stream(s)", total);
                    }
                });
    }

    /**
     * Runs {@code prune} on each due stream, each in a transaction of its own (one that fails is logged
     * and left for the next pass); returns how many it pruned. With {@code deletes}, the live clients of
     * each pruned stream learn after the commit that it is gone (settlement {@code missing}).
     */
    private Uni<Integer> each(String due, Duration age, BiFunction<SqlConnection, Tuple, Uni<Boolean>> prune,
            boolean deletes) {
        return pool.preparedQuery(due).execute(Tuple.of((double) age.toSeconds(), config.batch()))
                .onItem().transformToMulti(rows -> Multi.createFrom().iterable(rows))
                .onItem().transformToUniAndConcatenate(row -> {
                    String sessionId = row.getString("session_id");
                    String streamId = row.getString("stream_id");
                    return pool.withTransaction(connection -> prune.apply(connection, Tuple.of(sessionId, streamId)))
                            .invoke(pruned -> {
                                if (pruned && deletes) {
                                    doorbell.ring(new Change(sessionId, streamId, 0, true));
                                }
                            })
                            .onFailure().recoverWithItem(failure -> {
                                LOG.warnf("retention could not prune stream %s: %s", streamId, failure.toString());
                                return false;
                            });
                })
                .filter(Boolean::booleanValue)
                .collect().with(Collectors.counting()).map(Long::intValue);
    }

    /** Empties the data of the stream's events; false when another transaction holds it or it is done. */
    private Uni<Boolean> prunePayloads(SqlConnection connection, Tuple stream) {
        return connection.preparedQuery(LOCK_DUE_PAYLOADS).execute(stream).chain(locked -> {
            if (locked.size() == 0) {
                return Uni.createFrom().item(false);
            }
            String tenant = locked.iterator().next().getString("tenant");
            return connection.preparedQuery(EMPTY_PAYLOADS).execute(stream)
                    .chain(() -> connection.preparedQuery(MARK_PRUNED).execute(stream))
                    .chain(() -> lifecycle.record(connection, stream.getString(0), stream.getString(1), tenant,
                            LifecycleLog.Kind.PRUNED, "payloads", null, PRINCIPAL))
                    .replaceWith(true);
        });
    }

    /**
     * Deletes the stream, its events and its transcript messages; false when another transaction holds
     * its session or it.
     */
    private Uni<Boolean> pruneStream(SqlConnection connection, Tuple stream) {
        String sessionId = stream.getString(0);
        String streamId = stream.getString(1);
        return connection.preparedQuery(JournalRepository.TRY_LOCK_SESSION).execute(Tuple.of(sessionId))
                .chain(session -> session.size() == 0 ? Uni.createFrom().<RowSet<Row>>nullItem()
                        : connection.preparedQuery(LOCK_DUE_STREAM).execute(stream))
                .chain(locked -> {
                    if (locked == null || locked.size() == 0) {
                        return Uni.createFrom().item(false);
                    }
                    String tenant = locked.iterator().next().getString("tenant");
                    return lifecycle.record(connection, sessionId, streamId, tenant, LifecycleLog.Kind.PRUNED, "stream",
                                    null, PRINCIPAL)
                            .chain(() -> connection.preparedQuery(DELETE_EVENTS).execute(stream))
                            .chain(() -> connection.preparedQuery(DELETE_MESSAGES).execute(stream))
                            .chain(messages -> messages.rowCount() == 0 ? Uni.createFrom().voidItem()
                                    : connection.preparedQuery(REVISE_SESSION).execute(Tuple.of(sessionId)).replaceWithVoid())
                            .chain(() -> connection.preparedQuery(DELETE_STREAM).execute(stream))
                            .replaceWith(true);
                });
    }
}
