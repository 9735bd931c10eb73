package dev.streamjournal.ds.subscription;

import dev.streamjournal.ds.subscription.Subscription.Link;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The SQL of subscriptions. A subscription's statements name its key first ({@code sub_key = $1}), so that
 * on a sharded journal they run on its shard; the per-change match and the sweeps span the shards.
 */
@ApplicationScoped
public class SubscriptionRepository {

    static final String FIND = "select " + Subscription.COLUMNS + " from ds_subscriptions s where s.sub_key = $1";

    /**
     * Locks a subscription for a decision. No key update: inserting its links takes a key share on it
     * (their foreign key), which this lock must not wait for, or a link upsert and a lock holder deadlock.
     */
    static final String LOCK = FIND + " for no key update";

    /** Locks a subscription whose lease or retry is due, unless another replica has it. */
    static final String LOCK_DUE = "select " + Subscription.COLUMNS + """
            , s.lease_expires_at < now() as lease_expired, s.next_attempt_at < now() as retry_due
              from ds_subscriptions s where s.sub_key = $1
               for no key update skip locked
            """;

    static final String INSERT = """
            insert into ds_subscriptions (sub_key, tenant, subscription_id, type, pattern, webhook_url, wake_stream,
                                          lease_ttl_ms, description, config_hash, base_url)
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
            on conflict (sub_key) do nothing
            """;

    /** Deletes a subscription; its links go with it (the foreign key cascades, a link added meanwhile too). */
    static final String DELETE = """
            delete from ds_subscriptions where sub_key = $1
            """;

    static final String LINKS = """
            select path, explicit, glob, acked_offset, stream_id from ds_subscription_links where sub_key = $1 order by path
            """;

    /**
     * Links paths (explicitly or by the pattern) at their offsets of their incarnations; a path linked
     * already keeps its cursor.
     */
    static final String LINK = """
            insert into ds_subscription_links (sub_key, tenant, path, explicit, glob, acked_offset, stream_id)
            select $1, $2, link.path, $3, not $3, link.acked, link.stream
              from unnest($4::text[], $5::text[], $6::text[]) as link(path, acked, stream)
            on conflict (sub_key, path) do update
                set explicit = ds_subscription_links.explicit or excluded.explicit,
                    glob = ds_subscription_links.glob or excluded.glob
            """;

    static final String UNLINK_EXPLICIT = """
            update ds_subscription_links set explicit = false where sub_key = $1 and path = $2
            """;

    static final String DROP_UNLINKED = """
            delete from ds_subscription_links where sub_key = $1 and path = $2 and not explicit and not glob
            """;

    static final String ACK = """
            update ds_subscription_links set acked_offset = $3, stream_id = $4 where sub_key = $1 and path = $2
            """;

    /**
     * Issues a wake: the next generation, its id and snapshot, due in $5 seconds (delivered, or claimed).
     * {@code retry_count} counts a webhook's failed deliveries of it, from 0; of a pull-wake subscription,
     * the unclaimed wakes in a row before it ($6).
     */
    static final String WAKE = """
            update ds_subscriptions
               set generation = $2, wake_id = $3, snapshot = $4::text::jsonb, holder = null,
                   lease_expires_at = now() + make_interval(secs => $5), retry_count = $6, next_attempt_at = null
             where sub_key = $1
            """;

    static final String CLAIM = """
            update ds_subscriptions set holder = $2, lease_expires_at = now() + make_interval(secs => $3)
             where sub_key = $1
            """;

    static final String EXTEND = """
            update ds_subscriptions set lease_expires_at = now() + make_interval(secs => $2) where sub_key = $1
            """;

    /** Ends the wake in flight (done, released, expired, deleted). */
    static final String CLEAR = """
            update ds_subscriptions
               set wake_id = null, snapshot = null, holder = null, lease_expires_at = null, retry_count = 0,
                   next_attempt_at = null
             where sub_key = $1
            """;

    /** A failed delivery: retried in $3 seconds, the lease covering the wait. */
    static final String RETRY = """
            update ds_subscriptions
               set retry_count = $2, next_attempt_at = now() + make_interval(secs => $3),
                   lease_expires_at = now() + make_interval(secs => $3 + $4)
             where sub_key = $1
            """;

    static final String REDELIVER = """
            update ds_subscriptions set next_attempt_at = null, lease_expires_at = now() + make_interval(secs => $2)
             where sub_key = $1
            """;

    static final String CHECKED = """
            update ds_subscriptions set checked_at = now() where sub_key = $1
            """;

    /** The tenant's subscriptions a change of a path may concern: those with a pattern, and those linking it. */
    static final String CONCERNED = "select " + Subscription.COLUMNS + """
            , l.path is not null as linked, l.glob as linked_by_glob
              from ds_subscriptions s
              left join ds_subscription_links l on l.sub_key = s.sub_key and l.path = $2
             where s.tenant = $1 and (s.pattern is not null or l.path is not null)
            """;

    /** A path that became a wake stream leaves the patterns that linked it (explicit links stay). */
    static final String UNLINK_BY_PATTERN = """
            delete from ds_subscription_links where tenant = $1 and path = $2 and not explicit
            """;

    /** A subscription's pattern lets go of paths (explicit links of them stay). */
    static final String UNLINK_GLOB = """
            delete from ds_subscription_links where sub_key = $1 and path = any($2::text[]) and not explicit
            """;

    /** Whether a path is the wake stream of one of the tenant's subscriptions. */
    static final String IS_WAKE_STREAM = """
            select count(*) > 0 as wake from ds_subscriptions where tenant = $1 and wake_stream = $2
            """;

    /** The wake streams of a tenant's subscriptions. */
    static final String WAKE_STREAMS = """
            select wake_stream from ds_subscriptions where tenant = $1 and wake_stream is not null
            """;

    /** A removed path leaves every subscription of its tenant. */
    static final String UNLINK_PATH = """
            delete from ds_subscription_links where tenant = $1 and path = $2
            """;

    static final String EXPIRED = """
            select sub_key from ds_subscriptions where lease_expires_at < now() order by lease_expires_at limit $1
            """;

    static final String DUE = """
            select sub_key from ds_subscriptions where next_attempt_at < now() order by next_attempt_at limit $1
            """;

    static final String UNCHECKED = """
            select sub_key from ds_subscriptions
             where checked_at < now() - make_interval(secs => $1) order by checked_at limit $2
            """;

    Uni<Subscription> find(SqlClient client, String subKey) {
        return client.preparedQuery(FIND).execute(Tuple.of(subKey)).map(SubscriptionRepository::first);
    }

    Uni<Subscription> lock(SqlConnection connection, String subKey) {
        return connection.preparedQuery(LOCK).execute(Tuple.of(subKey)).map(SubscriptionRepository::first);
    }

    /** A due subscription locked, with whether its lease expired and its retry is due; null when taken or gone. */
    Uni<Row> lockDue(SqlConnection connection, String subKey) {
        return connection.preparedQuery(LOCK_DUE).execute(Tuple.of(subKey))
                .map(rows -> rows.size() == 0 ? null : rows.iterator().next());
    }

    /** Inserts a subscription; false when one with its key exists. */
    Uni<Boolean> insert(SqlConnection connection, String subKey, String tenant, String id, SubscriptionSpec spec,
            String baseUrl) {
        return connection.preparedQuery(INSERT).execute(Tuple.from(Arrays.asList(subKey, tenant, id, spec.type(),
                        spec.pattern(), spec.webhookUrl(), spec.wakeStream(), spec.leaseTtlMs(), spec.description(),
                        spec.hash(), baseUrl)))
                .map(rows -> rows.rowCount() == 1);
    }

    Uni<Void> delete(SqlConnection connection, String subKey) {
        return connection.preparedQuery(DELETE).execute(Tuple.of(subKey)).replaceWithVoid();
    }

    Uni<List<Link>> links(SqlClient client, String subKey) {
        return client.preparedQuery(LINKS).execute(Tuple.of(subKey)).map(rows -> {
            List<Link> links = new ArrayList<>();
            for (Row row : rows) {
                links.add(new Link(row.getString("path"), row.getBoolean("explicit"), row.getBoolean("glob"),
                        row.getString("acked_offset"), row.getString("stream_id")));
            }
            return links;
        });
    }

    /** Links {@code paths} at the offsets {@code acked} of the incarnations {@code streams} (null: none yet). */
    Uni<Void> link(SqlClient client, Subscription subscription, boolean explicit, List<String> paths, List<String> acked,
            List<String> streams) {
        if (paths.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return client.preparedQuery(LINK).execute(Tuple.from(Arrays.asList(subscription.subKey(), subscription.tenant(),
                explicit, paths.toArray(String[]::new), acked.toArray(String[]::new), streams.toArray(String[]::new))))
                .replaceWithVoid();
    }

    Uni<Void> unlinkExplicit(SqlConnection connection, String subKey, String path) {
        return connection.preparedQuery(UNLINK_EXPLICIT).execute(Tuple.of(subKey, path))
                .chain(() -> connection.preparedQuery(DROP_UNLINKED).execute(Tuple.of(subKey, path)))
                .replaceWithVoid();
    }

    /** Moves a path's cursor to {@code offset} of the incarnation {@code streamId}. */
    Uni<Void> ack(SqlConnection connection, String subKey, String path, String offset, String streamId) {
        return connection.preparedQuery(ACK).execute(Tuple.from(Arrays.asList(subKey, path, offset, streamId)))
                .replaceWithVoid();
    }

    Uni<Void> wake(SqlConnection connection, String subKey, long generation, String wakeId, String snapshot,
            double leaseSeconds, int unclaimed) {
        return connection.preparedQuery(WAKE)
                .execute(Tuple.of(subKey, generation, wakeId, snapshot, leaseSeconds, unclaimed))
                .replaceWithVoid();
    }

    Uni<Void> claim(SqlConnection connection, String subKey, String worker, double leaseSeconds) {
        return connection.preparedQuery(CLAIM).execute(Tuple.of(subKey, worker, leaseSeconds)).replaceWithVoid();
    }

    Uni<Void> extend(SqlConnection connection, String subKey, double leaseSeconds) {
        return connection.preparedQuery(EXTEND).execute(Tuple.of(subKey, leaseSeconds)).replaceWithVoid();
    }

    Uni<Void> clear(SqlConnection connection, String subKey) {
        return connection.preparedQuery(CLEAR).execute(Tuple.of(subKey)).replaceWithVoid();
    }

    Uni<Void> retry(SqlConnection connection, String subKey, int count, double delaySeconds, double leaseSeconds) {
        return connection.preparedQuery(RETRY).execute(Tuple.of(subKey, count, delaySeconds, leaseSeconds))
                .replaceWithVoid();
    }

    Uni<Void> redeliver(SqlConnection connection, String subKey, double leaseSeconds) {
        return connection.preparedQuery(REDELIVER).execute(Tuple.of(subKey, leaseSeconds)).replaceWithVoid();
    }

    Uni<Void> checked(SqlConnection connection, String subKey) {
        return connection.preparedQuery(CHECKED).execute(Tuple.of(subKey)).replaceWithVoid();
    }

    /** The subscriptions a change of a path concerns, each with whether it links the path already (and by its pattern). */
    Uni<RowSet<Row>> concerned(SqlClient client, String tenant, String path) {
        return client.preparedQuery(CONCERNED).execute(Tuple.of(tenant, path));
    }

    Uni<Set<String>> wakeStreams(SqlClient client, String tenant) {
        return client.preparedQuery(WAKE_STREAMS).execute(Tuple.of(tenant)).map(rows -> {
            Set<String> paths = new HashSet<>();
            rows.forEach(row -> paths.add(row.getString("wake_stream")));
            return paths;
        });
    }

    Uni<Boolean> isWakeStream(SqlClient client, String tenant, String path) {
        return client.preparedQuery(IS_WAKE_STREAM).execute(Tuple.of(tenant, path))
                .map(rows -> rows.iterator().next().getBoolean("wake"));
    }

    Uni<Void> unlinkByPattern(SqlClient client, String tenant, String path) {
        return client.preparedQuery(UNLINK_BY_PATTERN).execute(Tuple.of(tenant, path)).replaceWithVoid();
    }

    Uni<Void> unlinkGlob(SqlConnection connection, String subKey, List<String> paths) {
        return connection.preparedQuery(UNLINK_GLOB).execute(Tuple.of(subKey, paths.toArray(String[]::new)))
                .replaceWithVoid();
    }

    Uni<Void> unlinkPath(SqlClient client, String tenant, String path) {
        return client.preparedQuery(UNLINK_PATH).execute(Tuple.of(tenant, path)).replaceWithVoid();
    }

    Uni<List<String>> expired(SqlClient client, int limit) {
        return keys(client.preparedQuery(EXPIRED).execute(Tuple.of(limit)));
    }

    Uni<List<String>> due(SqlClient client, int limit) {
        return keys(client.preparedQuery(DUE).execute(Tuple.of(limit)));
    }

    Uni<List<String>> unchecked(SqlClient client, double seconds, int limit) {
        return keys(client.preparedQuery(UNCHECKED).execute(Tuple.of(seconds, limit)));
    }

    private static Uni<List<String>> keys(Uni<RowSet<Row>> rows) {
        return rows.map(set -> {
            List<String> keys = new ArrayList<>();
            set.forEach(row -> keys.add(row.getString("sub_key")));
            return keys;
        });
    }

    private static Subscription first(RowSet<Row> rows) {
        return rows.size() == 0 ? null : Subscription.of(rows.iterator().next());
    }
}
