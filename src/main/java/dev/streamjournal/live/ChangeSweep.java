package dev.streamjournal.live;

import dev.streamjournal.audit.AuditRepository;
import dev.streamjournal.audit.SafePrefix;
import dev.streamjournal.journal.EventClass;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.OffsetDateTime;
import org.jboss.logging.Logger;

/**
 * The safety net under the doorbell: a replica that dies between a commit and its doorbell, or a
 * NOTIFY that fails, must not leave subscribers elsewhere waiting. Every {@code journal.live.sweep-interval}
 * each replica that has subscribers reads which streams changed since its last sweep, from the journal
 * by global position and from the lifecycle log by id, and hands those changes to its feeds (a feed
 * that has already read a change ignores it). It reads behind the gap-safe watermark of
 * {@link SafePrefix}, so a change whose transaction commits late is never passed over. The cost is two
 * small statements per interval per replica, whatever the number of subscribers.
 */
@ApplicationScoped
public class ChangeSweep {

    private static final Logger LOG = Logger.getLogger(ChangeSweep.class);

    static final String LATEST = """
            select (select coalesce(max(position), 0) from journal_events) as events,
                   (select coalesce(max(id), 0) from lifecycle_log) as lifecycle
            """;

    /**
     * $1, $2: the cursors; $3: safeBefore; $4: the types that can change a settlement; $5: the most
     * positions (ids) one sweep looks at past each cursor, so that a watermark held back by a long
     * transaction never makes a sweep read an unbounded range.
     */
    static final String CHANGES = """
            with bounds as (
                select coalesce((select min(position) - 1 from journal_events
                                  where position > $1 and position <= $1 + $5 and inserted_at >= $3),
                                (select max(position) from journal_events where position > $1 and position <= $1 + $5),
                                $1) as events,
                       coalesce((select min(id) - 1 from lifecycle_log
                                  where id > $2 and id <= $2 + $5 and inserted_at >= $3),
                                (select max(id) from lifecycle_log where id > $2 and id <= $2 + $5),
                                $2) as lifecycle
            ), changes as (
                select e.session_id, e.stream_id, max(e.seq) as last_seq, bool_or(e.type = any($4)) as settles
                  from journal_events e, bounds b
                 where e.position > $1 and e.position <= b.events
                 group by e.session_id, e.stream_id
                union all
                select l.session_id, l.stream_id, 0, true
                  from lifecycle_log l, bounds b
                 where l.id > $2 and l.id <= b.lifecycle
                 group by l.session_id, l.stream_id
            )
            select b.events as events_upto, b.lifecycle as lifecycle_upto, c.session_id, c.stream_id, c.last_seq, c.settles
              from bounds b left join changes c on true
            """;

    /** The most positions (and lifecycle ids) one sweep covers. */
    static final long WINDOW = 10_000;

    private final Pool pool;
    private final LiveHub hub;
    private final String[] settlingTypes = EventClass.settlingTypes();
    private long events = -1;
    private long lifecycle = -1;

    public ChangeSweep(Pool pool, LiveHub hub) {
        this.pool = pool;
        this.hub = hub;
    }

    @Scheduled(every = "${journal.live.sweep-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduled() {
        return sweep()
                .onFailure().invoke(failure -> LOG.debugf("change sweep failed: %s", failure.toString()))
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    /** One sweep; returns how many changes it handed to the hub. */
    public Uni<Integer> sweep() {
        if (events < 0) {
            // the first sweep starts at the present: what committed before is what new feeds read anyway
            return pool.query(LATEST).execute().map(rows -> {
                Row row = rows.iterator().next();
                events = row.getLong("events");
                lifecycle = row.getLong("lifecycle");
                return 0;
            });
        }
        return pool.query(AuditRepository.SAFE_BEFORE).execute()
                .map(rows -> rows.iterator().next().getOffsetDateTime("safe_before"))
                .chain(this::read);
    }

    private Uni<Integer> read(OffsetDateTime safeBefore) {
        return pool.preparedQuery(CHANGES).execute(Tuple.of(events, lifecycle, safeBefore, settlingTypes, WINDOW))
                .map(rows -> {
                    int changes = 0;
                    for (Row row : rows) {
                        events = row.getLong("events_upto");
                        lifecycle = row.getLong("lifecycle_upto");
                        if (row.getString("stream_id") != null) {
                            hub.publish(new Change(row.getString("session_id"), row.getString("stream_id"),
                                    row.getInteger("last_seq"), row.getBoolean("settles")));
                            changes++;
                        }
                    }
                    return changes;
                });
    }
}
