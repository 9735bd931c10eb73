package dev.streamjournal.audit;

import dev.streamjournal.journal.JournalRepository;
import dev.streamjournal.journal.LifecycleLog;
import dev.streamjournal.journal.StreamSweeps;
import dev.streamjournal.journal.StreamSweeps.Candidate;
import dev.streamjournal.journal.Change;
import dev.streamjournal.journal.Doorbell;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Prunes closed streams by age, in bounded batches, safely with many replicas. Each kind of pruning is a
 * sweep ({@link StreamSweeps}): a batch of due streams, oldest first, each then locked with
 * {@code FOR UPDATE SKIP LOCKED}, checked again and pruned in a transaction of its own, which records the
 * pruning in the lifecycle log (which itself is kept). Deleting a stream locks its session too (it bumps the session's revision),
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
            update journal_events set data = '{}'::jsonb, data_bytes = 2, body = null where session_id = $1 and stream_id = $2
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

    /**
     * Durable Streams sources deleted while forks held them, held by none since (their last fork went by
     * age): deleted like the streams due, which lets go of their own sources in turn.
     */
    static final String DUE_DS_ORPHANS = """
            select session_id, stream_id from ds_streams where deleted_at is not null and forks <= 0 limit $1
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

    /** A Durable Streams stream's producer state and protocol row go with it. */
    static final String DELETE_DS_PRODUCERS = """
            delete from ds_producers where session_id = $1 and stream_id = $2
            """;

    /** The stream a Durable Streams fork was forked from (none for other streams). */
    static final String DS_SOURCE = """
            select source_session_id, source_stream_id from ds_streams
             where session_id = $1 and stream_id = $2 and source_stream_id is not null
            """;

    /** Whether a fork's source is there, and locked for its release unless another transaction holds it. */
    static final String LOCK_DS_SOURCE = """
            select forks from ds_streams where session_id = $1 and stream_id = $2 for update skip locked
            """;

    static final String DS_SOURCE_EXISTS = """
            select count(*) as n from ds_streams where session_id = $1 and stream_id = $2
            """;

    /**
     * A deleted fork lets go of its source; a source deleted while forks held it and now held by none is
     * gone to readers and taken away by the next create on its path.
     */
    static final String RELEASE_DS_SOURCE = """
            update ds_streams set forks = forks - 1 where session_id = $1 and stream_id = $2
            """;

    static final String DELETE_DS_STREAM = """
            delete from ds_streams where session_id = $1 and stream_id = $2
            """;

    static final String DELETE_STREAM = """
            delete from streams where session_id = $1 and stream_id = $2
            """;

    private final RetentionConfig config;
    private final Doorbell doorbell;
    private final LifecycleLog lifecycle;
    private final StreamSweeps sweeps;

    public Retention(RetentionConfig config, Doorbell doorbell, LifecycleLog lifecycle, StreamSweeps sweeps) {
        this.doorbell = doorbell;
        this.lifecycle = lifecycle;
        this.sweeps = sweeps;
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
        Uni<Integer> payloads = config.payloads()
                .map(age -> sweeps.each("retention", DUE_PAYLOADS, due(age), this::prunePayloads)
                        .collect().with(Collectors.counting()).map(Long::intValue))
                .orElse(Uni.createFrom().item(0));
        return payloads.chain(pruned -> config.streams()
                        .map(age -> deleted(sweeps.each("retention", DUE_STREAMS, due(age), this::pruneStream))
                                .chain(deleted -> deleted(sweeps.each("retention", DUE_DS_ORPHANS,
                                                Tuple.of(config.batch()), this::pruneStream))
                                        .map(orphans -> deleted + orphans)))
                        .orElse(Uni.createFrom().item(0))
                        .map(deleted -> pruned + deleted))
                .invoke(total -> {
                    if (total > 0) {
                        LOG.infof("retention pruned %d stream(s)", total);
                    }
                });
    }

    /** Counts the streams a sweep deleted; their live clients learn after the commit that they are gone. */
    private Uni<Integer> deleted(Multi<Candidate> deletions) {
        return deletions.invoke(stream -> doorbell.ring(new Change(stream.sessionId(), stream.streamId(), 0, true)))
                .collect().with(Collectors.counting()).map(Long::intValue);
    }

    /** The arguments of a read of due streams: older than {@code age}, at most a batch. */
    private Tuple due(Duration age) {
        return Tuple.of((double) age.toSeconds(), config.batch());
    }

    /** Empties the data of the stream's events; null when another transaction holds it or it is done. */
    private Uni<Candidate> prunePayloads(SqlConnection connection, Candidate stream) {
        return connection.preparedQuery(LOCK_DUE_PAYLOADS).execute(stream.key()).chain(locked -> {
            if (locked.size() == 0) {
                return Uni.createFrom().nullItem();
            }
            String tenant = locked.iterator().next().getString("tenant");
            return connection.preparedQuery(EMPTY_PAYLOADS).execute(stream.key())
                    .chain(() -> connection.preparedQuery(MARK_PRUNED).execute(stream.key()))
                    .chain(() -> lifecycle.record(connection, stream.sessionId(), stream.streamId(), tenant,
                            LifecycleLog.Kind.PRUNED, "payloads", null, PRINCIPAL))
                    .replaceWith(stream);
        });
    }

    /**
     * Deletes the stream, its events and its transcript messages; null when another transaction holds
     * its session, it, or the source it was forked from.
     */
    private Uni<Candidate> pruneStream(SqlConnection connection, Candidate stream) {
        String sessionId = stream.sessionId();
        String streamId = stream.streamId();
        return connection.preparedQuery(JournalRepository.TRY_LOCK_SESSION).execute(Tuple.of(sessionId))
                .chain(session -> session.size() == 0 ? Uni.createFrom().<RowSet<Row>>nullItem()
                        : connection.preparedQuery(LOCK_DUE_STREAM).execute(stream.key()))
                .chain(locked -> {
                    if (locked == null || locked.size() == 0) {
                        return Uni.createFrom().<Candidate>nullItem();
                    }
                    String tenant = locked.iterator().next().getString("tenant");
                    return releaseDsSource(connection, stream).chain(released -> !released
                            ? Uni.createFrom().<Candidate>nullItem()
                            : delete(connection, stream, tenant));
                });
    }

    /**
     * A Durable Streams fork lets go of its source before it is deleted; false when another transaction
     * holds the source (the fork waits for the next pass).
     */
    private static Uni<Boolean> releaseDsSource(SqlConnection connection, Candidate stream) {
        return connection.preparedQuery(DS_SOURCE).execute(stream.key()).chain(rows -> {
            if (rows.size() == 0) {
                return Uni.createFrom().item(true);
            }
            Row row = rows.iterator().next();
            Tuple source = Tuple.of(row.getString("source_session_id"), row.getString("source_stream_id"));
            return connection.preparedQuery(LOCK_DS_SOURCE).execute(source).chain(held -> held.size() == 1
                    ? connection.preparedQuery(RELEASE_DS_SOURCE).execute(source).replaceWith(true)
                    : connection.preparedQuery(DS_SOURCE_EXISTS).execute(source)
                            .map(exists -> exists.iterator().next().getLong("n") == 0));
        });
    }

    private Uni<Candidate> delete(SqlConnection connection, Candidate stream, String tenant) {
        String sessionId = stream.sessionId();
        String streamId = stream.streamId();
        return lifecycle.record(connection, sessionId, streamId, tenant, LifecycleLog.Kind.PRUNED, "stream", null,
                        PRINCIPAL)
                .chain(() -> connection.preparedQuery(DELETE_EVENTS).execute(stream.key()))
                .chain(() -> connection.preparedQuery(DELETE_MESSAGES).execute(stream.key()))
                .chain(messages -> messages.rowCount() == 0 ? Uni.createFrom().voidItem()
                        : connection.preparedQuery(REVISE_SESSION).execute(Tuple.of(sessionId)).replaceWithVoid())
                .chain(() -> connection.preparedQuery(DELETE_DS_PRODUCERS).execute(stream.key()))
                .chain(() -> connection.preparedQuery(DELETE_DS_STREAM).execute(stream.key()))
                .chain(() -> connection.preparedQuery(DELETE_STREAM).execute(stream.key()))
                .replaceWith(stream);
    }
}
