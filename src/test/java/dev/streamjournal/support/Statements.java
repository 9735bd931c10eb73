package dev.streamjournal.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Every SQL statement of the service (each {@code static final String} of its classes that is one), with
 * where it runs on a journal sharded by session and representative arguments. A statement that is not
 * listed here fails {@link #all()}, so a new query cannot skip the checks that use this list (index use
 * on PostgreSQL, one shard per hot path on Citus).
 */
public final class Statements {

    /** Where a statement runs on a sharded journal. */
    public enum Reach {
        /** A hot path: it names one session (or one stream id in the directory), so it runs on one shard. */
        ONE_SHARD,
        /** A background or tenant-wide read that may span the shards (reaper and retention candidates, sweep, audit). */
        ALL_SHARDS,
        /** Reads the coordinator's own state (activity, catalogs, notifications), no journal table. */
        COORDINATOR,
        /** Used only on one PostgreSQL (group commit across sessions); a sharded journal takes another path. */
        UNSHARDED_ONLY,
        /** Reads Citus catalogs; runs only where Citus is installed. */
        CITUS_ONLY
    }

    public record Statement(String name, String sql, Reach reach, Object[] args) {
    }

    private record Use(Reach reach, Object[] args) {
    }

    private static final Map<String, Use> USES = new HashMap<>();

    private static void use(String name, Reach reach, Object... args) {
        USES.put(name, new Use(reach, args));
    }

    static {
        Reach one = Reach.ONE_SHARD;
        Reach all = Reach.ALL_SHARDS;
        use("JournalRepository.LOCK_STREAM", one, "s", "st", "default");
        use("JournalRepository.LOCK_SESSION", one, "s", "default");
        use("JournalRepository.TRY_LOCK_SESSION", one, "s");
        use("JournalRepository.STORED_EVENTS", one, "s", "st", new Integer[] {1, 2});
        use("JournalRepository.INSERT_EVENTS", one, "s", "st", "default", "p", new Integer[] {1, 2},
                new String[] {"token", "token"}, new String[] {"{}", "{}"});
        use("JournalRepository.INSERT_EVENT", one, "s", "st", "default", "p", 1, "token", "{}");
        use("JournalRepository.CONTINUE_STREAM", one, "s", "st", "default", 2, "token", true, null);
        use("JournalRepository.APPEND_CONTINUING", Reach.UNSHARDED_ONLY, new String[] {"st", "st2"},
                new String[] {"default", "default"}, new String[] {"p", "p"}, new Boolean[] {true, true},
                new Integer[] {1, 1}, new String[] {"token", "token"}, new Integer[] {1, 2}, new Integer[] {1, 1},
                new Integer[] {null, null}, new String[] {"token", "token"}, new String[] {"{}", "{}"},
                new String[] {"s", "s2"});
        use("JournalRepository.UPDATE_AFTER_APPEND", one, "s", "st", 3, "token");
        use("JournalRepository.MAKE_TERMINAL", one, "s", "st", "completed", 3);
        use("JournalRepository.MAKE_CLOSED", one, "s", "st");
        use("JournalRepository.TERMINAL_STATE", one, "s", "st", "default");
        use("JournalRepository.CONTENT_EVENTS", one, "s", "st");
        use("JournalRepository.HEARTBEAT", one, "s", "st", "default");
        use("JournalRepository.PAGE", one, "s", "st", 10, 101, "default");
        use("JournalRepository.BOUNDED_PAGE", one, "s", "st", 10, 2000, "default", 1L << 20);
        use("JournalRepository.TENANT_PAGE", one, "s", "st", "default", 10, 101);
        use("JournalRepository.STREAMS_OF_SESSION", one, "s", "default");
        use("StreamRepository.ENSURE_SESSION", one, "s", "default");
        use("StreamRepository.LOCK_SESSION", one, "s");
        use("StreamRepository.FIND_STREAM_ID", one, "st");
        use("StreamRepository.CREATE_REQUEST", one, "s", "st");
        use("StreamRepository.INSERT_STREAM", one, "s", "st", "default", "{}", "p", 60);
        use("StreamRepository.REGISTER_STREAM", one, "s", "st", "default");
        use("StreamRepository.SET_ACTIVE_STREAM", one, "s", "st");
        use("StreamRepository.SUPERSEDE", one, "s", "st", "st2");
        use("StreamStatusRepository.STATUS", one, "s", "st", "default");
        use("StreamStatusRepository.LIST_BY_TENANT", all, "default", "active",
                java.time.OffsetDateTime.parse("9999-12-31T23:59:59Z"), "", 101);
        use("StreamStatusRepository.LIST_BY_SESSION", one, "s", "default", "active",
                java.time.OffsetDateTime.parse("9999-12-31T23:59:59Z"), "", 101);
        use("StreamDirectory.SESSION_OF_STREAM", one, "st");
        use("SettlementRepository.FACTS", one, "s", "st", "default");
        use("SessionRepository.VIEW", one, "s", "default");
        use("TranscriptWriter.BUMP", one, "s");
        use("TranscriptWriter.APPEND", one, "s", 1L, "st", "user", "{}");
        use("LifecycleLog.INSERT", one, "s", "st", "created", null, null, "p", "default");
        use("LeaseReaper.EXPIRED", all, 100);
        use("LeaseReaper.LOCK_EXPIRED", one, "s", "st");
        use("LeaseReaper.STOPPING", all, 10.0, 100);
        use("LeaseReaper.LOCK_STOPPING", one, "s", "st", 10.0);
        use("StopService.LOCK_FOR_STOP", one, "s", "st", "default");
        use("StopService.REQUEST_STOP", one, "s", "st");
        use("LeaseReaper.LINGERING", all, 300.0, 100);
        use("LeaseReaper.CLOSE", one, "s", "st");
        use("Retention.DUE_PAYLOADS", all, 300.0, 100);
        use("Retention.LOCK_DUE_PAYLOADS", one, "s", "st");
        use("Retention.EMPTY_PAYLOADS", one, "s", "st");
        use("Retention.MARK_PRUNED", one, "s", "st");
        use("Retention.DUE_STREAMS", all, 300.0, 100);
        use("Retention.LOCK_DUE_STREAM", one, "s", "st");
        use("Retention.DELETE_EVENTS", one, "s", "st");
        use("Retention.DELETE_MESSAGES", one, "s", "st");
        use("Retention.REVISE_SESSION", one, "s");
        use("Retention.DELETE_DS_PRODUCERS", one, "s", "st");
        use("Retention.DELETE_DS_STREAM", one, "s", "st");
        use("Retention.DS_SOURCE", one, "s", "st");
        use("Retention.DUE_DS_ORPHANS", all, 100);
        use("Retention.LOCK_DS_SOURCE", one, "s", "st");
        use("Retention.DS_SOURCE_EXISTS", one, "s", "st");
        use("Retention.RELEASE_DS_SOURCE", one, "s", "st");
        use("Retention.DELETE_STREAM", one, "s", "st");
        use("DsRepository.FIND", one, "s", "default");
        use("DsRepository.LOCK", one, "s", "st", "default");
        use("DsRepository.ENSURE_SESSION", one, "s", "default");
        use("DsRepository.LOCK_SESSION", one, "s");
        use("DsRepository.REGISTER_STREAM", one, "s", "st", "default");
        use("DsRepository.INSERT_STREAM", one, "s", "st", "default", "{}", "p");
        use("DsRepository.INSERT_DS_STREAM", one, "s", "st", "default", "path", "text/plain", 60L, null, null, null,
                null, null, 0L);
        use("DsRepository.SET_ACTIVE_STREAM", one, "s", "st");
        use("DsRepository.INSERT_MESSAGES", one, "s", "st", 0, "default",
                new io.vertx.core.buffer.Buffer[] {io.vertx.core.buffer.Buffer.buffer("x")}, "p", "{}");
        use("DsRepository.COPY_MESSAGES", all, "s", "st", "default", "s2", "st2", 10);
        use("DsRepository.ADVANCE_STREAM", one, "s", "st", 3, false);
        use("DsRepository.AFTER_WRITE", one, "s", "st", "seq", null, null, null);
        use("DsRepository.TOUCH", one, "s", "st", 60L);
        use("DsRepository.PRODUCER", one, "s", "st", "p");
        use("DsRepository.SAVE_PRODUCER", one, "s", "st", "p", 0L, 1L);
        use("DsRepository.MESSAGES", one, "s", "st", 10, 100, 1L << 20);
        use("DsRepository.TAIL", one, "s", "st");
        use("DsRepository.COUNT_FORK", one, "s", "st", 1);
        use("DsRepository.SOFT_DELETE", one, "s", "st");
        use("DsRepository.SOURCE", one, "s", "st");
        use("DsRepository.DELETE_PRODUCERS", one, "s", "st");
        use("DsRepository.DELETE_DS_STREAM", one, "s", "st");
        use("DsRepository.DELETE_EVENTS", one, "s", "st");
        use("DsRepository.DELETE_STREAM", one, "s", "st");
        use("DsRepository.CLEAR_ACTIVE_STREAM", one, "s", "st");
        use("DsRepository.TAILS", all, new String[] {"s"}, "default");
        use("DsRepository.PATHS", all, "default", java.time.OffsetDateTime.parse("1970-01-01T00:00:00Z"));
        use("SigningKeys.KEY", one);
        use("SigningKeys.INSERT_KEY", one, "ds_kid", io.vertx.core.buffer.Buffer.buffer("private"),
                io.vertx.core.buffer.Buffer.buffer("public"));
        use("SubscriptionRepository.FIND", one, "dss");
        use("SubscriptionRepository.LOCK", one, "dss");
        use("SubscriptionRepository.LOCK_DUE", one, "dss");
        use("SubscriptionRepository.INSERT", one, "dss", "default", "sub", "webhook", "events/*", "https://x.example/h",
                null, 30000, null, "hash", "http://127.0.0.1/ds");
        use("SubscriptionRepository.DELETE", one, "dss");
        use("SubscriptionRepository.LINKS", one, "dss");
        use("SubscriptionRepository.LINK", one, "dss", "default", true, new String[] {"events/a"}, new String[] {"-1"},
                new String[] {"ds~x"});
        use("SubscriptionRepository.UNLINK_EXPLICIT", one, "dss", "events/a");
        use("SubscriptionRepository.DROP_UNLINKED", one, "dss", "events/a");
        use("SubscriptionRepository.ACK", one, "dss", "events/a", "0000000000000000_0000000000000001", "ds~x");
        use("SubscriptionRepository.WAKE", one, "dss", 1L, "w_1", "{}", 1.0, 0);
        use("SubscriptionRepository.CLAIM", one, "dss", "worker", 1.0);
        use("SubscriptionRepository.EXTEND", one, "dss", 1.0);
        use("SubscriptionRepository.CLEAR", one, "dss");
        use("SubscriptionRepository.RETRY", one, "dss", 1, 1.0, 1.0);
        use("SubscriptionRepository.REDELIVER", one, "dss", 1.0);
        use("SubscriptionRepository.CHECKED", one, "dss");
        use("SubscriptionRepository.CONCERNED", all, "default", "events/a");
        use("SubscriptionRepository.UNLINK_PATH", all, "default", "events/a");
        use("SubscriptionRepository.WAKE_STREAMS", all, "default");
        use("SubscriptionRepository.IS_WAKE_STREAM", all, "default", "events/a");
        use("SubscriptionRepository.UNLINK_BY_PATTERN", all, "default", "events/a");
        use("SubscriptionRepository.UNLINK_GLOB", one, "dss", new String[] {"events/a"});
        use("SubscriptionRepository.EXPIRED", all, 100);
        use("SubscriptionRepository.DUE", all, 100);
        use("SubscriptionRepository.UNCHECKED", all, 10.0, 100);
        use("AuditRepository.EVENTS", all, "default", 0L);
        use("AuditRepository.LIFECYCLE", all, "default", 0L);
        use("AuditRepository.SAFE_BEFORE", Reach.COORDINATOR);
        use("AuditRepository.SAFE_BEFORE_SHARDED", Reach.COORDINATOR);
        use("AuditRepository.SEES_ALL_ACTIVITY", Reach.COORDINATOR);
        use("ChangeSweep.STREAMS", all, new String[] {"st", "st2"}, new String[] {"s", "s2"});
        use("ChangeSweep.SESSIONS", all, (Object) new String[] {"s", "s2"});
        use("NotifyDoorbell.NOTIFY", Reach.COORDINATOR, (Object) new String[] {"{}"});
        use("Topology.CITUS", Reach.COORDINATOR);
        use("Topology.DISTRIBUTED", Reach.CITUS_ONLY);
    }

    private Statements() {
    }

    /** Every statement of the service's classes; fails on one this list does not classify. */
    public static List<Statement> all() {
        List<Statement> statements = new ArrayList<>();
        List<String> unclassified = new ArrayList<>();
        for (Class<?> type : serviceClasses()) {
            for (Field field : type.getDeclaredFields()) {
                int modifiers = field.getModifiers();
                if (!Modifier.isStatic(modifiers) || !Modifier.isFinal(modifiers) || field.getType() != String.class) {
                    continue;
                }
                String sql = value(field);
                if (!isStatement(sql)) {
                    continue;
                }
                String name = type.getSimpleName() + "." + field.getName();
                Use use = USES.get(name);
                if (use == null) {
                    unclassified.add(name);
                } else {
                    statements.add(new Statement(name, sql, use.reach(), use.args()));
                }
            }
        }
        if (!unclassified.isEmpty()) {
            throw new AssertionError("statements without a reach in " + Statements.class.getSimpleName() + ": "
                    + unclassified);
        }
        return statements;
    }

    public static List<Statement> reaching(Reach reach) {
        return all().stream().filter(statement -> statement.reach() == reach).toList();
    }

    static boolean isStatement(String text) {
        String start = text.strip().toLowerCase(Locale.ROOT);
        return Stream.of("select ", "insert ", "update ", "delete ", "with ").anyMatch(start::startsWith);
    }

    private static String value(Field field) {
        try {
            field.setAccessible(true);
            return (String) field.get(null);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The compiled classes of the service ({@code target/classes}). */
    private static List<Class<?>> serviceClasses() {
        Path root = Path.of("target", "classes");
        try (Stream<Path> files = Files.walk(root.resolve("dev/streamjournal"))) {
            List<Class<?>> classes = new ArrayList<>();
            for (Path file : files.filter(path -> path.toString().endsWith(".class")).toList()) {
                String name = root.relativize(file).toString().replace('/', '.').replaceAll("\\.class$", "");
                try {
                    classes.add(Class.forName(name, false, Statements.class.getClassLoader()));
                } catch (ClassNotFoundException | LinkageError e) {
                    throw new IllegalStateException("cannot load " + name, e);
                }
            }
            return classes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
