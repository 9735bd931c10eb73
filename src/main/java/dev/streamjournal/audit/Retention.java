package dev.streamjournal.audit;

import dev.streamjournal.live.Change;
import dev.streamjournal.live.Doorbell;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * Prunes closed streams by age, in bounded batches, safely with many replicas: each pass locks its
 * batch of streams with {@code FOR UPDATE SKIP LOCKED} and prunes it in one transaction, recording each
 * pruning in the lifecycle log (which itself is kept). Deleting streams locks their sessions too (it
 * bumps their revision), session before stream like every other writer, and skips any that another
 * transaction holds, so it never waits for a lock and cannot deadlock with stream creation.
 */
@ApplicationScoped
public class Retention {

    private static final Logger LOG = Logger.getLogger(Retention.class);
    static final String PRINCIPAL = "system:retention";

    private static final String PRUNE_PAYLOADS = """
            with due as (
                select stream_id from streams
                 where closed and closed_at < now() - make_interval(secs => $1) and payloads_pruned_at is null
                 order by closed_at
                 limit $2
                   for update skip locked
            ), emptied as (
                update journal_events e set data = '{}'::jsonb, data_bytes = 2
                  from due where e.stream_id = due.stream_id
            ), marked as (
                update streams s set payloads_pruned_at = now()
                  from due where s.stream_id = due.stream_id
             returning s.stream_id, s.session_id, s.tenant
            )
            insert into lifecycle_log (session_id, stream_id, tenant, kind, state, principal)
            select session_id, stream_id, tenant, 'pruned', 'payloads', $3 from marked
            """;

    private static final String PRUNE_STREAMS = """
            with due as (
                select s.stream_id, s.session_id, s.tenant
                  from sessions se
                  join streams s on s.session_id = se.session_id
                 where s.closed and s.closed_at < now() - make_interval(secs => $1)
                 order by s.closed_at
                 limit $2
                   for update of se, s skip locked
            ), logged as (
                insert into lifecycle_log (session_id, stream_id, tenant, kind, state, principal)
                select session_id, stream_id, tenant, 'pruned', 'stream', $3 from due
            ), events as (
                delete from journal_events e using due where e.stream_id = due.stream_id
            ), messages as (
                delete from transcript_messages m using due where m.stream_id = due.stream_id
             returning m.session_id
            ), revised as (
                update sessions se set revision = revision + 1, updated_at = now()
                  from (select distinct session_id from messages) changed
                 where se.session_id = changed.session_id
            )
            delete from streams s using due where s.stream_id = due.stream_id
            returning s.session_id, s.stream_id
            """;

    private final Pool pool;
    private final RetentionConfig config;
    private final Doorbell doorbell;

    public Retention(Pool pool, RetentionConfig config, Doorbell doorbell) {
        this.doorbell = doorbell;
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
        Uni<Integer> payloads = config.payloads().map(age -> run(PRUNE_PAYLOADS, age)).orElse(Uni.createFrom().item(0));
        return payloads.chain(pruned -> config.streams().map(age -> run(PRUNE_STREAMS, age)).orElse(Uni.createFrom().item(0))
                .map(deleted -> pruned + deleted))
                .invoke(total -> {
                    if (total > 0) {
                        LOG.infof("retention pruned %d stream(s)", total);
                    }
                });
    }

    private Uni<Integer> run(String sql, Duration age) {
        return pool.withTransaction(connection -> connection.preparedQuery(sql)
                        .execute(Tuple.of((double) age.toSeconds(), config.batch(), PRINCIPAL)))
                .invoke(rows -> {
                    if (sql.equals(PRUNE_STREAMS)) {
                        // their live clients learn that the streams are gone (settlement missing)
                        rows.forEach(row -> doorbell.ring(
                                new Change(row.getString("session_id"), row.getString("stream_id"), 0, true)));
                    }
                })
                .map(rows -> rows.rowCount());
    }
}
