package dev.streamjournal.common;

import io.agroal.api.AgroalDataSource;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.jboss.logging.Logger;

/**
 * Whether the journal is sharded (its tables distributed by Citus) or on one PostgreSQL, read once from
 * the database at startup, after the migrations ran: a replica that was running when the journal was
 * distributed keeps the rules of one PostgreSQL until it restarts. Every query routes to one shard either way; a few paths differ
 * where a statement would span shards:
 * <ul>
 * <li>appends are one transaction each instead of statements shared by the batches of many sessions
 * ({@link dev.streamjournal.journal.AppendCombiner});</li>
 * <li>the audit tail's rule for transactions in flight ({@link dev.streamjournal.audit.AuditRepository});</li>
 * <li>audit time filters scan each shard instead of bisecting the position order.</li>
 * </ul>
 */
@Startup
@ApplicationScoped
public class Topology {

    private static final Logger LOG = Logger.getLogger(Topology.class);

    static final String CITUS = """
            select exists (select 1 from pg_extension where extname = 'citus')
            """;

    static final String DISTRIBUTED = """
            select exists (select 1 from pg_dist_partition where logicalrelid = 'journal_events'::regclass)
            """;

    private final boolean sharded;

    public Topology(AgroalDataSource dataSource) {
        this.sharded = detect(dataSource);
        if (sharded) {
            LOG.info("the journal is sharded by session (Citus)");
        }
    }

    /** True on a Citus coordinator whose journal tables are distributed. */
    public boolean sharded() {
        return sharded;
    }

    private static boolean detect(AgroalDataSource dataSource) {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            try (ResultSet citus = statement.executeQuery(CITUS)) {
                citus.next();
                if (!citus.getBoolean(1)) {
                    return false;
                }
            }
            try (ResultSet rows = statement.executeQuery(DISTRIBUTED)) {
                rows.next();
                return rows.getBoolean(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("could not tell whether the journal is sharded", e);
        }
    }
}
