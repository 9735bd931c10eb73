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
 * Interrupts streams whose producer vanished. Each pass locks a batch of expired live streams together
 * with their sessions ({@code FOR UPDATE SKIP LOCKED}, so replicas never wait for or repeat each other)
 * and, per stream, appends a synthetic {@code apperror} of type {@code interrupted}, makes the stream
 * terminal {@code interrupted} and saves its partial transcript — all in the pass's transaction.
 */
@ApplicationScoped
public class LeaseReaper {

    private static final Logger LOG = Logger.getLogger(LeaseReaper.class);

    static final String PRINCIPAL = "system:lease-reaper";

    static final String LOCK_EXPIRED = """
            select s.stream_id, s.session_id, s.last_seq
              from streams s
              join sessions se on se.session_id = s.session_id
             where s.terminal_state is null and s.lease_expires_at < now()
             order by s.lease_expires_at
             limit $1
               for update of s, se skip locked
            """;

    private final Pool pool;
    private final JournalRepository journal;
    private final TerminalWriter terminal;
    private final JournalConfig config;
    private final Counter passes;
    private final Counter interrupted;
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
    }

    @Scheduled(every = "${journal.lease.reaper-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            delayed = "${journal.lease.reaper-interval}")
    Uni<Void> scheduled() {
        passes.increment();
        return reap()
                .onItem().invoke(count -> {
                    interrupted.increment(count);
                    if (count > 0) {
                        LOG.infof("interrupted %d stream(s) whose lease expired", count);
                    }
                })
                .onFailure().invoke(failure -> LOG.warnf("lease reaper pass failed: %s", failure.toString()))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
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
