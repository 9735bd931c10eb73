package dev.streamjournal.common;

import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * Whether the journal is sharded (its tables distributed by Citus) or on one PostgreSQL, read from the
 * database at startup, after the migrations ran. A few paths differ where a statement would span shards:
 * <ul>
 * <li>appends are one transaction each instead of statements shared by the batches of many sessions
 * ({@link dev.streamjournal.journal.AppendCombiner});</li>
 * <li>the audit tail's rule for transactions in flight ({@link dev.streamjournal.audit.AuditRepository});</li>
 * <li>audit time filters scan each shard instead of bisecting the position order.</li>
 * </ul>
 * Until the database has answered (it may be down at startup), the sharded rules apply: they are also
 * correct on one PostgreSQL, only slower (no group commit) and more cautious (the audit tail waits for
 * every open transaction). A replica that was running when the journal was distributed keeps the rules
 * of one PostgreSQL until it restarts.
 */
@ApplicationScoped
public class Topology {

    private static final Logger LOG = Logger.getLogger(Topology.class);

    static final String CITUS = """
            select exists (select 1 from pg_extension where extname = 'citus')
            """;

    static final String DISTRIBUTED = """
            select exists (select 1 from pg_dist_partition where logicalrelid = 'journal_events'::regclass)
            """;

    private final Pool pool;
    private volatile boolean sharded = true;
    private volatile boolean known;

    public Topology(Pool pool) {
        this.pool = pool;
    }

    /** True on a Citus coordinator whose journal tables are distributed (and until the database has said). */
    public boolean sharded() {
        return sharded;
    }

    /** Before the other startup observers (which may ask), so that they see the answer. */
    void atStartup(@Observes @Priority(Interceptor.Priority.LIBRARY_BEFORE) StartupEvent start) {
        try {
            detect().await().atMost(Duration.ofSeconds(10));
        } catch (RuntimeException e) {
            LOG.warnf("could not tell whether the journal is sharded (%s): the sharded rules apply until the "
                    + "database answers", e.toString());
        }
    }

    @Scheduled(every = "5s", delayed = "5s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> untilKnown() {
        return known ? Uni.createFrom().voidItem()
                : detect().onFailure().recoverWithNull().replaceWithVoid();
    }

    private Uni<Boolean> detect() {
        return pool.query(CITUS).execute()
                .chain(rows -> rows.iterator().next().getBoolean(0)
                        ? pool.query(DISTRIBUTED).execute().map(distributed -> distributed.iterator().next().getBoolean(0))
                        : Uni.createFrom().item(false))
                .invoke(distributed -> {
                    sharded = distributed;
                    known = true;
                    if (distributed) {
                        LOG.info("the journal is sharded by session (Citus)");
                    }
                });
    }
}
