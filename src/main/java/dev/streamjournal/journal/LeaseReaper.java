package dev.streamjournal.journal;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * Ends the streams whose producer vanished or did not stop when asked. Each pass has three steps, each
 * a sweep ({@link StreamSweeps}):
 * a batch of candidates, oldest first, each then locked with {@code FOR UPDATE SKIP LOCKED}, checked again
 * and handled in a transaction of its own, so replicas never wait for or repeat each other:
 * <ol>
 * <li>it interrupts expired live streams: per stream, with its session locked, it appends a synthetic
 * {@code apperror} of type {@code interrupted}, makes the stream terminal {@code interrupted} and saves
 * its partial transcript;</li>
 * <li>it ends {@code cancelled} the live streams whose producer was asked to stop more than
 * {@code journal.stop-grace} ago ({@link StopService}): the same, with a synthetic {@code cancel};</li>
 * <li>it closes streams that have been terminal for {@code journal.close-after} without
 * {@code stream_end} (a producer that died after {@code done}, or a stream it interrupted), with a
 * {@code closed} lifecycle row, so that their tails settle and end and retention can prune them.</li>
 * </ol>
 */
@ApplicationScoped
public class LeaseReaper {

    private static final Logger LOG = Logger.getLogger(LeaseReaper.class);

    static final String PRINCIPAL = "system:lease-reaper";
    static final String CLOSER = "system:stream-closer";
    static final String STOPPER = "system:stop-grace";

    static final String EXPIRED = """
            select session_id, stream_id
              from streams
             where terminal_state is null and lease_expires_at < now()
             order by lease_expires_at
             limit $1
            """;

    static final String LOCK_EXPIRED = """
            select stream_id, session_id, tenant, last_seq
              from streams
             where session_id = $1 and stream_id = $2 and terminal_state is null and lease_expires_at < now()
               for update skip locked
            """;

    /** The live streams whose producer was asked to stop more than $1 seconds ago: at most $2, oldest request first. */
    static final String STOPPING = """
            select session_id, stream_id
              from streams
             where stop_requested_at is not null and terminal_state is null
               and stop_requested_at < now() - make_interval(secs => $1)
             order by stop_requested_at
             limit $2
            """;

    static final String LOCK_STOPPING = """
            select stream_id, session_id, tenant, last_seq
              from streams
             where session_id = $1 and stream_id = $2 and terminal_state is null
               and stop_requested_at < now() - make_interval(secs => $3)
               for update skip locked
            """;

    /** The streams terminal for longer than $1 seconds without {@code stream_end}: at most $2, oldest first. */
    static final String LINGERING = """
            select session_id, stream_id
              from streams
             where terminal_state is not null and not closed
               and terminal_at < now() - make_interval(secs => $1)
             order by terminal_at
             limit $2
            """;

    static final String CLOSE = """
            update streams
               set closed = true, closed_at = now()
             where session_id = $1 and stream_id = $2 and terminal_state is not null and not closed
               and stream_id in (select stream_id from streams
                                  where session_id = $1 and stream_id = $2
                                    for update skip locked)
            returning session_id, stream_id, tenant, terminal_state, last_seq
            """;

    private final JournalRepository journal;
    private final TerminalWriter terminal;
    private final JournalConfig config;
    private final Counter passes;
    private final Counter interrupted;
    private final Counter stopped;
    private final Counter closed;
    private final Doorbell doorbell;
    private final LifecycleLog lifecycle;
    private final StreamSweeps sweeps;

    public LeaseReaper(JournalRepository journal, TerminalWriter terminal, JournalConfig config,
            MeterRegistry metrics, Doorbell doorbell, LifecycleLog lifecycle, StreamSweeps sweeps) {
        this.doorbell = doorbell;
        this.lifecycle = lifecycle;
        this.sweeps = sweeps;
        this.journal = journal;
        this.terminal = terminal;
        this.config = config;
        this.passes = Counter.builder("journal.lease.reaper.passes")
                .description("scheduled lease reaper passes of this replica").register(metrics);
        this.interrupted = Counter.builder("journal.lease.interrupted")
                .description("streams this replica interrupted because their lease expired").register(metrics);
        this.stopped = Counter.builder("journal.streams.cancelled.stop-grace")
                .description("streams this replica ended cancelled because their producer did not stop in time")
                .register(metrics);
        this.closed = Counter.builder("journal.streams.closed.lingering")
                .description("terminal streams this replica closed after journal.close-after without stream_end")
                .register(metrics);
    }

    @Scheduled(every = "${journal.lease.reaper-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            delayed = "${journal.lease.reaper-interval}")
    Uni<Void> scheduled() {
        passes.increment();
        return step(reap(), interrupted, "interrupted %d stream(s) whose lease expired", "lease reaper pass")
                .chain(() -> step(endStopped(), stopped, "cancelled %d stream(s) not stopped within "
                        + config.stopGrace() + " of a stop request", "ending stopped streams"))
                .chain(() -> step(closeLingering(), closed, "closed %d stream(s) terminal for " + config.closeAfter()
                        + " without stream_end", "closing lingering streams"));
    }

    /** One step of a pass: counted and logged, and a failure logged without stopping the next step. */
    private static Uni<Void> step(Uni<Integer> work, Counter counter, String done, String what) {
        return work.onItem().invoke(count -> {
                    counter.increment(count);
                    if (count > 0) {
                        LOG.infof(done, count);
                    }
                })
                .onFailure().invoke(failure -> LOG.warnf("%s failed: %s", what, failure.toString()))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    /** One pass; returns how many streams it interrupted. */
    public Uni<Integer> reap() {
        return sweeps.each("lease reaper", EXPIRED, Tuple.of(config.lease().reaperBatch()),
                        (connection, candidate) -> connection.preparedQuery(JournalRepository.TRY_LOCK_SESSION)
                                .execute(Tuple.of(candidate.sessionId()))
                        .chain(session -> session.size() == 0 ? Uni.createFrom().<RowSet<Row>>nullItem()
                                : connection.preparedQuery(LOCK_EXPIRED).execute(candidate.key()))
                        .chain(rows -> {
                            if (rows == null || rows.size() == 0) {
                                return Uni.createFrom().<StreamState>nullItem();
                            }
                            StreamState stream = lockedStream(rows.iterator().next());
                            ObjectNode data = JsonNodeFactory.instance.objectNode()
                                    .put("type", "interrupted")
                                    .put("synthetic", true)
                                    .put("message", "the producer's lease expired");
                            return end(connection, stream, "apperror", data, TerminalState.INTERRUPTED,
                                    LifecycleLog.Kind.LEASE_EXPIRED, PRINCIPAL).replaceWith(stream);
                        }))
                .invoke(stream -> doorbell.ring(
                        new Change(stream.sessionId(), stream.streamId(), stream.lastSeq() + 1, true)))
                .collect().with(Collectors.counting()).map(Long::intValue);
    }

    /** One step ending the streams not stopped in time; returns how many it ended. */
    public Uni<Integer> endStopped() {
        double grace = config.stopGrace().toMillis() / 1000.0;
        return sweeps.each("stop grace", STOPPING, Tuple.of(grace, config.lease().reaperBatch()),
                        (connection, candidate) -> connection.preparedQuery(JournalRepository.TRY_LOCK_SESSION)
                                .execute(Tuple.of(candidate.sessionId()))
                        .chain(session -> session.size() == 0 ? Uni.createFrom().<RowSet<Row>>nullItem()
                                : connection.preparedQuery(LOCK_STOPPING)
                                        .execute(Tuple.of(candidate.sessionId(), candidate.streamId(), grace)))
                        .chain(rows -> {
                            if (rows == null || rows.size() == 0) {
                                return Uni.createFrom().<StreamState>nullItem();
                            }
                            StreamState stream = lockedStream(rows.iterator().next());
                            ObjectNode data = JsonNodeFactory.instance.objectNode()
                                    .put("reason", "stop-grace")
                                    .put("synthetic", true)
                                    .put("message", "the producer did not stop within " + config.stopGrace()
                                            + " of the stop request");
                            return end(connection, stream, "cancel", data, TerminalState.CANCELLED,
                                    LifecycleLog.Kind.TERMINAL, STOPPER).replaceWith(stream);
                        }))
                .invoke(stream -> doorbell.ring(
                        new Change(stream.sessionId(), stream.streamId(), stream.lastSeq() + 1, true)))
                .collect().with(Collectors.counting()).map(Long::intValue);
    }

    /** One closing step; returns how many streams it closed. */
    public Uni<Integer> closeLingering() {
        long closeAfter = config.closeAfter().toSeconds();
        String detail = JsonNodeFactory.instance.objectNode().put("reason", "close-after")
                .put("closeAfterSeconds", closeAfter).toString();
        return sweeps.each("stream closer", LINGERING, Tuple.of((double) closeAfter, config.lease().reaperBatch()),
                        (connection, candidate) -> connection.preparedQuery(CLOSE).execute(candidate.key())
                                .chain(rows -> {
                                    if (rows.size() == 0) {
                                        return Uni.createFrom().<Row>nullItem();
                                    }
                                    Row row = rows.iterator().next();
                                    return lifecycle.record(connection, row.getString("session_id"),
                                            row.getString("stream_id"), row.getString("tenant"), LifecycleLog.Kind.CLOSED,
                                            row.getString("terminal_state"), detail, CLOSER).replaceWith(row);
                                }))
                .invoke(row -> doorbell.ring(new Change(row.getString("session_id"), row.getString("stream_id"),
                        row.getInteger("last_seq"), true)))
                .collect().with(Collectors.counting()).map(Long::intValue);
    }

    private static StreamState lockedStream(Row row) {
        return new StreamState(row.getString("stream_id"), row.getString("session_id"), row.getString("tenant"),
                row.getInteger("last_seq"), null, false);
    }

    /** Appends a synthetic terminal event to a locked live stream and makes it terminal, transcript included. */
    private Uni<Void> end(SqlConnection connection, StreamState stream, String type, ObjectNode data,
            TerminalState state, LifecycleLog.Kind kind, String principal) {
        AppendPlan.NewEvent event = new AppendPlan.NewEvent(stream.lastSeq() + 1, type, data, EventClass.TERMINAL);
        return journal.insertEvents(connection, stream, List.of(event), principal)
                .chain(() -> journal.updateAfterAppend(connection, stream, event, state, event.seq(), false))
                .chain(() -> terminal.write(connection, stream, state, event.type(), data, kind, null, principal));
    }
}
