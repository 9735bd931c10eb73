package dev.streamjournal.journal;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamjournal.audit.LifecycleLog;
import dev.streamjournal.live.Change;
import dev.streamjournal.live.Doorbell;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Ends the streams whose producer vanished. Each pass has two steps, each its own transaction, and locks
 * with {@code FOR UPDATE SKIP LOCKED}, so replicas never wait for or repeat each other:
 * <ol>
 * <li>it interrupts a batch of expired live streams: per stream, with its session locked, it appends a
 * synthetic {@code apperror} of type {@code interrupted}, makes the stream terminal {@code interrupted}
 * and saves its partial transcript;</li>
 * <li>it closes a batch of streams that have been terminal for {@code journal.close-after} without
 * {@code stream_end} (a producer that died after {@code done}, or a stream it interrupted), with a
 * {@code closed} lifecycle row, so that their tails settle and end and retention can prune them.</li>
 * </ol>
 */
@ApplicationScoped
public class LeaseReaper {

    private static final Logger LOG = Logger.getLogger(LeaseReaper.class);

    static final String PRINCIPAL = "system:lease-reaper";
    static final String CLOSER = "system:stream-closer";

    static final String LOCK_EXPIRED = """
            select s.stream_id, s.session_id, s.last_seq
              from streams s
              join sessions se on se.session_id = s.session_id
             where s.terminal_state is null and s.lease_expires_at < now()
             order by s.lease_expires_at
             limit $1
               for update of s, se skip locked
            """;

    /**
     * Closes, in one statement, the streams terminal for longer than $1 seconds without {@code stream_end}
     * (at most $2, oldest first; the ones another transaction holds are skipped) and logs each.
     */
    static final String CLOSE_LINGERING = """
            with due as (
                select stream_id
                  from streams
                 where terminal_state is not null and not closed
                   and terminal_at < now() - make_interval(secs => $1)
                 order by terminal_at
                 limit $2
                   for update skip locked
            ), closing as (
                update streams
                   set closed = true, closed_at = now()
                 where stream_id = any (array(select stream_id from due))
                returning session_id, stream_id, tenant, terminal_state, last_seq
            ), logged as (
                insert into lifecycle_log (session_id, stream_id, tenant, kind, state, detail, principal)
                select session_id, stream_id, tenant, 'closed', terminal_state,
                       jsonb_build_object('reason', 'close-after', 'closeAfterSeconds', $1), $3
                  from closing
            )
            select session_id, stream_id, last_seq from closing
            """;

    private final Pool pool;
    private final JournalRepository journal;
    private final TerminalWriter terminal;
    private final JournalConfig config;
    private final Counter passes;
    private final Counter interrupted;
    private final Counter closed;
    private final Doorbell doorbell;

    public LeaseReaper(Pool pool, JournalRepository journal, TerminalWriter terminal, JournalConfig config,
            MeterRegistry metrics, Doorbell doorbell) {
        this.doorbell = doorbell;
        this.pool = pool;
        this.journal = journal;
        this.terminal = terminal;
        this.config = config;
        this.passes = Counter.builder("journal.lease.reaper.passes")
                .description("scheduled lease reaper passes of this replica").register(metrics);
        this.interrupted = Counter.builder("journal.lease.interrupted")
                .description("streams this replica interrupted because their lease expired").register(metrics);
        this.closed = Counter.builder("journal.streams.closed.lingering")
                .description("terminal streams this replica closed after journal.close-after without stream_end")
                .register(metrics);
    }

    @Scheduled(every = "${journal.lease.reaper-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            delayed = "${journal.lease.reaper-interval}")
    Uni<Void> scheduled() {
        passes.increment();
        Uni<Void> reaping = reap()
                .onItem().invoke(count -> {
                    interrupted.increment(count);
                    if (count > 0) {
                        LOG.infof("interrupted %d stream(s) whose lease expired", count);
                    }
                })
                .onFailure().invoke(failure -> LOG.warnf("lease reaper pass failed: %s", failure.toString()))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
        return reaping.chain(() -> closeLingering()
                .onItem().invoke(count -> {
                    closed.increment(count);
                    if (count > 0) {
                        LOG.infof("closed %d stream(s) terminal for %s without stream_end", count, config.closeAfter());
                    }
                })
                .onFailure().invoke(failure -> LOG.warnf("closing lingering streams failed: %s", failure.toString()))
                .onFailure().recoverWithNull()
                .replaceWithVoid());
    }

    /** One pass; returns how many streams it interrupted. */
    public Uni<Integer> reap() {
        return pool.withTransaction(connection -> connection.preparedQuery(LOCK_EXPIRED)
                .execute(Tuple.of(config.lease().reaperBatch()))
                .chain(rows -> {
                    List<StreamState> expired = new ArrayList<>();
                    for (Row row : rows) {
                        expired.add(new StreamState(row.getString("stream_id"), row.getString("session_id"),
                                row.getInteger("last_seq"), null, false));
                    }
                    return Multi.createFrom().iterable(expired)
                            .onItem().transformToUniAndConcatenate(stream -> interrupt(connection, stream).replaceWith(stream))
                            .collect().asList();
                }))
                .invoke(interrupted -> interrupted.forEach(stream -> doorbell.ring(
                        new Change(stream.sessionId(), stream.streamId(), stream.lastSeq() + 1, true))))
                .map(List::size);
    }

    /** One closing step; returns how many streams it closed. */
    public Uni<Integer> closeLingering() {
        return pool.preparedQuery(CLOSE_LINGERING)
                .execute(Tuple.of((double) config.closeAfter().toSeconds(), config.lease().reaperBatch(), CLOSER))
                .map(rows -> {
                    int count = 0;
                    for (Row row : rows) {
                        doorbell.ring(new Change(row.getString("session_id"), row.getString("stream_id"),
                                row.getInteger("last_seq"), true));
                        count++;
                    }
                    return count;
                });
    }

    private Uni<Void> interrupt(SqlConnection connection, StreamState stream) {
        ObjectNode data = JsonNodeFactory.instance.objectNode()
                .put("type", "interrupted")
                .put("synthetic", true)
                .put("message", "the producer's lease expired");
        AppendPlan.NewEvent event = new AppendPlan.NewEvent(stream.lastSeq() + 1, "apperror", data,
                EventClass.TERMINAL);
        return journal.insertEvents(connection, stream, List.of(event), PRINCIPAL)
                .chain(() -> journal.updateAfterAppend(connection, stream.streamId(), event,
                        TerminalState.INTERRUPTED, event.seq(), false))
                .chain(() -> terminal.write(connection, stream, TerminalState.INTERRUPTED, event.type(), data,
                        LifecycleLog.Kind.LEASE_EXPIRED, null, PRINCIPAL));
    }
}
