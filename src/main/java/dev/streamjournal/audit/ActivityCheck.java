package dev.streamjournal.audit;

import dev.streamjournal.common.Topology;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * Says at startup when the service's database role cannot see when other roles' transactions started.
 * The audit tail then holds while any transaction of another role holds an xid in this database (see
 * {@link AuditRepository#SAFE_BEFORE}): another writer role (rotating credentials, one user per pod), but
 * also an operator's or a job's open transaction.
 */
public class ActivityCheck {

    private static final Logger LOG = Logger.getLogger(ActivityCheck.class);

    void check(@Observes StartupEvent start, AuditRepository audit, Topology topology) {
        audit.seesAllActivity().subscribe().with(seesAll -> {
            if (!seesAll) {
                if (topology.sharded()) {
                    LOG.error(SHARDED);
                } else {
                    LOG.warn(WARNING);
                }
            }
        }, failure -> LOG.debugf("could not check the role's view of pg_stat_activity: %s", failure.toString()));
    }

    static final String SHARDED = """
            the database role of this service is not a member of pg_read_all_stats: on a sharded journal (Citus) \
            the audit tail holds while any session of another role is connected to this database, Citus' own \
            background sessions included, so it may not advance at all. Run: GRANT pg_read_all_stats TO <role>""";

    static final String WARNING = """
            the database role of this service is not a member of pg_read_all_stats: it cannot see when other \
            roles' transactions started, so the audit tail holds while a transaction of another role writes in \
            this database (another writer role with rotating credentials or one user per pod, a job, an \
            operator's session). Run: GRANT pg_read_all_stats TO <role>""";
}
