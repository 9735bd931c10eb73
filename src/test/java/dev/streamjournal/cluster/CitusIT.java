package dev.streamjournal.cluster;

import static dev.streamjournal.support.Api.event;
import static dev.streamjournal.support.Api.token;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamjournal.support.ApiClient;
import dev.streamjournal.support.CitusCluster;
import dev.streamjournal.support.Http;
import dev.streamjournal.support.Replica;
import dev.streamjournal.support.SseClient;
import dev.streamjournal.support.Statements;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The packaged service on a real Citus cluster (a coordinator and two workers on loopback), with the
 * schema distributed by the service's own migrations: the API behaves as on one PostgreSQL, every hot
 * statement runs on one shard, and sessions spread over both workers.
 */
class CitusIT {

    private static final String TENANT = "citus";
    private static final Duration REQUEST = Duration.ofSeconds(30);
    private static final Pattern TASK_COUNT = Pattern.compile("Task Count: (\\d+)");

    private static CitusCluster cluster;
    private static Replica service;
    private static ApiClient api;

    @BeforeAll
    static void start() throws Exception {
        assertThat(CitusCluster.installed()).as("Citus for PostgreSQL 15: run scripts/prerequisites (as root) or scripts/citus/install.sh").isTrue();
        cluster = CitusCluster.start(2);
        Map<String, String> env = Replica.environment(cluster.datasource());
        env.put("JOURNAL_LEASE_REAPER_INTERVAL", "1s");
        env.put("JOURNAL_RETENTION_STREAMS", "1d");
        env.put("JOURNAL_RETENTION_INTERVAL", "1s");
        service = Replica.start("citus", env);
        service.awaitReady();
        api = new ApiClient(service, TENANT, REQUEST);
    }

    @AfterAll
    static void stop() throws Exception {
        if (service != null) {
            service.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void theServicesMigrations_distributeEveryTable_bySession_coLocated() throws Exception {
        Map<String, String> distribution = new HashMap<>();
        Map<String, Integer> colocation = new HashMap<>();
        try (Connection db = cluster.connect(cluster.coordinator); Statement statement = db.createStatement();
                ResultSet rows = statement.executeQuery(
                        "select table_name::text, citus_table_type, distribution_column, colocation_id from citus_tables")) {
            while (rows.next()) {
                assertThat(rows.getString(2)).isEqualTo("distributed");
                distribution.put(rows.getString(1), rows.getString(3));
                colocation.put(rows.getString(1), rows.getInt(4));
            }
        }
        assertThat(distribution).containsExactlyInAnyOrderEntriesOf(ShardingRulesTest.DISTRIBUTION);
        assertThat(List.of("streams", "journal_events", "transcript_messages", "lifecycle_log", "ds_streams", "ds_producers"))
                .allSatisfy(table -> assertThat(colocation.get(table)).as(table).isEqualTo(colocation.get("sessions")));
        // the distribution step may be run again, by an operator, and does nothing
        cluster.execute(cluster.coordinator, "select journal_distribute()");
        assertThat(service.logText()).contains("the journal is sharded by session (Citus)");
    }

    /**
     * A database migrated on plain PostgreSQL, with data, becomes sharded by the documented step: the
     * extension, the nodes, then {@code select journal_distribute()}; its rows are all still there.
     */
    @Test
    void anExistingDatabase_isDistributedByOneCommand_keepingItsRows() throws Exception {
        String database = "existing_" + System.nanoTime();
        List<Integer> nodes = new ArrayList<>(cluster.workers);
        nodes.add(0, cluster.coordinator);
        for (int port : nodes) {
            cluster.execute(port, "create database " + database);
        }
        String url = "jdbc:postgresql://127.0.0.1:" + cluster.coordinator + "/" + database;
        Flyway.configure().dataSource(url, CitusCluster.USER, "").locations("filesystem:db/migration").load().migrate();
        try (Connection db = DriverManager.getConnection(url, CitusCluster.USER, "");
                Statement statement = db.createStatement()) {
            statement.execute("""
                    insert into sessions (session_id, tenant) select 'old-s' || g, 't' from generate_series(1, 20) g;
                    insert into stream_sessions (stream_id, session_id, tenant) select 'old-st' || g, 'old-s' || g, 't'
                      from generate_series(1, 20) g;
                    insert into streams (stream_id, session_id, tenant, create_request, created_by, lease_seconds,
                                         lease_expires_at, last_seq)
                    select 'old-st' || g, 'old-s' || g, 't', '{}', 'p', 60, now(), 5 from generate_series(1, 20) g;
                    insert into journal_events (stream_id, seq, session_id, tenant, type, data, principal)
                    select 'old-st' || g, seq, 'old-s' || g, 't', 'token', '{}', 'p'
                      from generate_series(1, 20) g, generate_series(1, 5) seq""");
            assertThat(scalar(statement, "select count(*) from pg_extension where extname = 'citus'")).isZero();
            for (int port : nodes) {
                try (Connection node = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database,
                        CitusCluster.USER, ""); Statement create = node.createStatement()) {
                    create.execute("create extension citus");
                }
            }
            statement.execute("select citus_set_coordinator_host('127.0.0.1', " + cluster.coordinator + ")");
            for (int port : cluster.workers) {
                statement.execute("select citus_add_node('127.0.0.1', " + port + ")");
            }
            statement.execute("select journal_distribute()");

            assertThat(scalar(statement, "select count(*) from citus_tables")).isEqualTo(ShardingRulesTest.DISTRIBUTION.size());
            assertThat(scalar(statement, "select count(*) from journal_events")).isEqualTo(100);
            assertThat(scalar(statement, "select count(*) from journal_events where session_id = 'old-s7'")).isEqualTo(5);
            assertThat(scalar(statement, """
                    select count(distinct p.nodeport) from sessions s
                      join pg_dist_shard_placement p
                        on p.shardid = get_shard_id_for_distribution_column('sessions', s.session_id)""")).isEqualTo(2);
        }
    }

    private static long scalar(Statement statement, String sql) throws SQLException {
        try (ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    /** Citus reports a worker's unique violation without the constraint field: still 409, never 500. */
    @Test
    void concurrentCreatesOfOneStreamId_inTwoSessions_oneWins_theOtherIsStreamExists() throws Exception {
        for (int round = 0; round < 5; round++) {
            String stream = "contested-" + round + "-" + System.nanoTime();
            List<CompletableFuture<Http.Answer>> creates = new ArrayList<>();
            for (String session : List.of("left-", "right-")) {
                creates.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return api.create(session + stream, stream);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }));
            }
            List<Http.Answer> answers = creates.stream().map(CompletableFuture::join).toList();
            assertThat(answers).extracting(Http.Answer::status).containsExactlyInAnyOrder(201, 409);
            assertThat(answers).filteredOn(answer -> answer.status() == 409).singleElement()
                    .satisfies(answer -> assertThat(answer.slug()).isEqualTo("stream-exists"));
        }
    }

    /** Each statement of a hot path plans to one shard (every Task Count is 1, no stage across shards). */
    @Test
    void everyHotStatement_runsOnOneShard_andTheOthersPlan() throws Exception {
        Map<String, String> plans = new LinkedHashMap<>();
        List<String> notOnOneShard = new ArrayList<>();
        try (Connection db = cluster.connect(cluster.coordinator)) {
            for (Statements.Statement statement : Statements.all()) {
                String plan;
                try {
                    plan = explain(db, statement);
                } catch (SQLException e) {
                    plan = "refused: " + e.getMessage();
                }
                plans.put(statement.name(), plan);
                boolean planned = !plan.startsWith("refused: ");
                if (statement.reach() == Statements.Reach.ONE_SHARD && !onOneShard(plan)
                        || statement.reach() != Statements.Reach.UNSHARDED_ONLY && !planned) {
                    notOnOneShard.add(statement.name() + " (" + statement.reach() + "):\n" + plan);
                }
            }
            // the check can fail: a stream looked up without its session is asked of every shard
            assertThat(onOneShard(explain(db, "select * from streams where stream_id = 'st'"))).isFalse();
        }
        StringBuilder report = new StringBuilder();
        plans.forEach((name, plan) -> report.append(name).append("\n\n").append(plan.indent(4)).append('\n'));
        Files.writeString(Path.of("target", "citus-plans.txt"), report);
        assertThat(plans).hasSizeGreaterThan(40);
        assertThat(notOnOneShard).as("statements Citus refuses, and hot statements that span shards").isEmpty();
    }

    @Test
    void sessions_spreadOverBothWorkers_andTheListingMergesThemNewestFirst() throws Exception {
        List<String> streams = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            String stream = "spread-st-" + i + "-" + System.nanoTime();
            created(api.create("spread-" + i + "-" + System.nanoTime(), stream));
            streams.add(0, stream);
        }
        List<String> listed = new ArrayList<>();
        for (JsonNode status : api.read("/v1/streams?state=active&limit=1000").json().path("streams")) {
            if (status.path("streamId").asText().startsWith("spread-st-")) {
                listed.add(status.path("streamId").asText());
            }
        }
        assertThat(listed).containsSubsequence(streams).hasSize(streams.size());
        Set<Integer> ports = new HashSet<>();
        try (Connection db = cluster.connect(cluster.coordinator); Statement statement = db.createStatement();
                ResultSet rows = statement.executeQuery("""
                        select distinct p.nodeport
                          from sessions s
                          join pg_dist_shard_placement p
                            on p.shardid = get_shard_id_for_distribution_column('sessions', s.session_id)
                         where s.session_id like 'spread-%'""")) {
            while (rows.next()) {
                ports.add(rows.getInt(1));
            }
        }
        assertThat(ports).containsExactlyInAnyOrderElementsOf(cluster.workers);
    }

    @Test
    void theProducerFlow_isIdempotent_andSettlesRestoredWithTheTranscript() throws Exception {
        String session = "flow-" + System.nanoTime();
        String stream = session + "-st";
        Map<String, Object> hello = Map.of("userMessage", Map.of("content", "hello"));
        created(api.create(session, stream, hello));
        assertThat(api.create(session, stream, hello).status())
                .as("a repeated create").isEqualTo(200);
        List<Map<String, Object>> tokens = List.of(token(1, "Hel"), token(2, "lo"));
        assertThat(api.append(stream, tokens).json().path("appended").asInt()).isEqualTo(2);
        JsonNode retried = api.append(stream, tokens).json();
        assertThat(retried.path("duplicates").asInt()).isEqualTo(2);
        assertThat(retried.path("lastSeq").asInt()).isEqualTo(2);
        assertThat(api.append(stream, token(3, "x"), token(5, "y")).slug()).isEqualTo("seq-gap");
        assertThat(api.heartbeat(stream).status()).isEqualTo(204);
        JsonNode done = api.append(stream, event("done")).json();
        assertThat(done.path("terminalState").asText()).isEqualTo("completed");
        // after the terminal event: content is refused, a trailer is taken (the two-statement path), then the end
        assertThat(api.append(stream, token("late")).slug()).isEqualTo("stream-terminal");
        JsonNode trailer = api.append(stream, event("title", Map.of("title", "t"))).json();
        assertThat(trailer.path("lastSeq").asInt()).isEqualTo(4);
        assertThat(trailer.path("terminal").asBoolean()).isTrue();
        JsonNode end = api.append(stream, event("stream_end")).json();
        assertThat(end.path("closed").asBoolean()).isTrue();
        assertThat(api.append(stream, event("title", Map.of("title", "u"))).slug()).isEqualTo("stream-closed");

        JsonNode status = api.read("/v1/streams/" + stream).json();
        assertThat(status.path("journal").path("lastSeq").asInt()).isEqualTo(5);
        assertThat(status.path("sessionId").asText()).isEqualTo(session);
        JsonNode page = api.read("/v1/streams/" + stream + "/events?after=1&limit=2").json();
        assertThat(page.path("events").findValuesAsText("seq")).containsExactly("2", "3");
        assertThat(page.path("next").asInt()).isEqualTo(3);

        JsonNode settlement = api.read("/v1/streams/" + stream + "/settlement").json();
        assertThat(settlement.path("outcome").asText()).isEqualTo("restored");
        JsonNode messages = settlement.path("transcript").path("messages");
        assertThat(messages.findValuesAsText("role")).containsExactly("user", "assistant");
        assertThat(messages.get(1).path("content").asText()).isEqualTo("Hello");
        JsonNode view = api.read("/v1/sessions/" + session).json();
        assertThat(view.path("messages").size()).isEqualTo(2);
        assertThat(view.path("streams").findValuesAsText("streamId")).containsExactly(stream);
        JsonNode hermes = api.read("/api/chat/stream/status?stream_id=" + stream).json();
        assertThat(hermes.path("journal").path("terminal_state").asText()).isEqualTo("completed");
        assertThat(api.read("/v1/streams/no-such-stream").status()).isEqualTo(404);
        assertThat(api.append("no-such-stream", tokens).status()).isEqualTo(404);
    }

    @Test
    void theSeedRace_supersedesTheOldStream_whoseTailSettlesStale() throws Exception {
        String session = "race-" + System.nanoTime();
        String old = session + "-old";
        String newer = session + "-new";
        created(api.create(session, old));
        api.append(old, token("a"));
        try (SseClient tail = SseClient.open(service.uri("/v1/streams/" + old + "/events"), null, api.readerToken())) {
            tail.awaitConnected();
            tail.await(frame -> "1".equals(frame.id()), REQUEST);
            assertThat(api.create(session, newer).status()).isEqualTo(409);
            created(api.create(session, newer, Map.of("onActive", "interrupt")));
            SseClient.Frame settled = tail.await(frame -> "settlement".equals(frame.event()), REQUEST);
            assertThat(settled.data()).contains("\"outcome\":\"stale\"").contains("\"currentStreamId\":\"" + newer + "\"");
            tail.awaitEnd(REQUEST);
        }
        assertThat(api.read("/v1/streams/" + old).json().path("journal").path("terminalState").asText()).isEqualTo("superseded");
        JsonNode fresh = api.read("/v1/streams/" + newer).json();
        assertThat(fresh.path("active").asBoolean()).isTrue();
        assertThat(fresh.path("journal").path("lastSeq").asInt()).isZero();
        assertThat(api.append(old, token("late")).status()).isEqualTo(409);
    }

    @Test
    void aTail_resumesAfterLastEventId_withNoGapAndNoDuplicate() throws Exception {
        String session = "tail-" + System.nanoTime();
        String stream = session + "-st";
        created(api.create(session, stream));
        for (int seq = 1; seq <= 5; seq++) {
            api.append(stream, token(seq, "t" + seq));
        }
        try (SseClient first = SseClient.open(service.uri("/v1/streams/" + stream + "/events"), null, api.readerToken())) {
            first.await(frame -> "3".equals(frame.id()), REQUEST);
        }
        for (int seq = 6; seq <= 8; seq++) {
            api.append(stream, token(seq, "t" + seq));
        }
        try (SseClient resumed = SseClient.open(service.uri("/v1/streams/" + stream + "/events"), "3", api.readerToken())) {
            resumed.await(frame -> "8".equals(frame.id()), REQUEST);
            api.append(stream, event("done"), event("stream_end"));
            resumed.awaitEnd(REQUEST);
            assertThat(resumed.journalFrames()).extracting(SseClient.Frame::id)
                    .containsExactly("4", "5", "6", "7", "8", "9", "10");
            assertThat(resumed.events("settlement")).singleElement()
                    .satisfies(frame -> assertThat(frame.data()).contains("\"outcome\":\"restored\""));
        }
    }

    @Test
    void anExpiredLease_isReaped_andALingeringStream_isClosed() throws Exception {
        String session = "lease-" + System.nanoTime();
        String stream = session + "-st";
        created(api.create(session, stream, Map.of("leaseSeconds", 1)));
        api.append(stream, token("partial"));
        await().atMost(Duration.ofSeconds(30)).until(() ->
                api.read("/v1/streams/" + stream).json().path("journal").path("terminalState").asText().equals("interrupted"));
        JsonNode settlement = api.read("/v1/streams/" + stream + "/settlement").json();
        assertThat(settlement.path("outcome").asText()).isEqualTo("error");
        assertThat(settlement.path("transcript").path("messages").get(0).path("content").asText()).isEqualTo("partial");

        // terminal for longer than journal.close-after (5 minutes): the reaper closes it
        backdate(session, stream, "terminal_at", "1 hour");
        await().atMost(Duration.ofSeconds(30)).until(() ->
                api.read("/v1/streams/" + stream).json().path("journal").path("closed").asBoolean());
        JsonNode lifecycle = api.audit("/v1/audit/lifecycle?streamId=" + stream).json();
        assertThat(lifecycle.path("entries").findValuesAsText("principal"))
                .contains("system:lease-reaper", "system:stream-closer");
    }

    @Test
    void retention_prunesAnOldClosedStream_andItsIdStaysTaken() throws Exception {
        String session = "retention-" + System.nanoTime();
        String stream = session + "-st";
        created(api.create(session, stream, Map.of("userMessage", Map.of("content", "q"))));
        api.append(stream, token("a"), event("done"), event("stream_end"));
        backdate(session, stream, "closed_at", "2 days");
        await().atMost(Duration.ofSeconds(30)).until(() -> api.read("/v1/streams/" + stream).status() == 404);
        assertThat(api.read("/v1/streams/" + stream + "/settlement").json().path("outcome").asText()).isEqualTo("missing");
        assertThat(api.read("/v1/sessions/" + session).json().path("messages").size()).isZero();
        assertThat(api.create(session + "-other", stream).slug()).isEqualTo("stream-exists");
    }

    @Test
    void auditPages_walkTheGlobalOrder_acrossShards() throws Exception {
        String prefix = "audit-" + System.nanoTime();
        Set<String> written = new HashSet<>();
        for (int i = 0; i < 6; i++) {
            String stream = prefix + "-st" + i;
            created(api.create(prefix + "-s" + i, stream));
            for (int seq = 1; seq <= 3; seq++) {
                api.append(stream, token(seq, "x"));
                written.add(stream + ":" + seq);
            }
        }
        List<Long> positions = new ArrayList<>();
        Set<String> read = new HashSet<>();
        String[] after = {""};
        // the tail may hold for a moment while another statement (the reaper's, retention's) is in flight:
        // an empty page is then walked on from the same cursor until everything written has come
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            while (true) {
                JsonNode page = api.audit("/v1/audit/events?limit=7" + after[0]).json();
                if (page.path("events").isEmpty()) {
                    break;
                }
                for (JsonNode event : page.path("events")) {
                    positions.add(event.path("position").asLong());
                    if (event.path("streamId").asText().startsWith(prefix)) {
                        read.add(event.path("streamId").asText() + ":" + event.path("seq").asInt());
                    }
                }
                after[0] = "&after=" + page.path("next").asText();
            }
            assertThat(read).isEqualTo(written);
        });
        assertThat(positions).isSorted().doesNotHaveDuplicates();
        JsonNode byStream = api.audit("/v1/audit/events?streamId=" + prefix + "-st2").json();
        assertThat(byStream.path("events").findValuesAsText("seq")).containsExactly("1", "2", "3");
    }

    /** Moves a time of the stream's row into the past, as if that long had passed. */
    private static void backdate(String session, String stream, String column, String interval) throws SQLException {
        cluster.execute(cluster.coordinator, "update streams set " + column + " = now() - interval '" + interval
                + "' where session_id = '" + session + "' and stream_id = '" + stream + "'");
    }

    /**
     * The sharded rule of the gap-safe tail: a transaction on the coordinator that wrote to a worker holds
     * no xid there, yet a reader must not pass its smaller position while it is open.
     */
    @Test
    void theAuditTail_waitsForACoordinatorTransaction_thatHoldsASmallerPosition() throws Exception {
        String prefix = "held-" + System.nanoTime();
        String x = prefix + "-x";
        String y = prefix + "-y";
        created(api.create(prefix + "-sx", x));
        created(api.create(prefix + "-sy", y));
        String cursor = endOfAudit();
        try (Connection held = cluster.connect(cluster.coordinator)) {
            held.setAutoCommit(false);
            // the insert draws its position on the coordinator, where the transaction gets an xid only when the
            // sequence writes WAL (one call in 32): try until it has none, the case the sharded rule is for
            boolean withoutXid = false;
            for (int attempt = 0; attempt < 40 && !withoutXid; attempt++) {
                try (Statement insert = held.createStatement()) {
                    insert.execute("insert into journal_events (stream_id, seq, session_id, tenant, type, data, principal) "
                            + "values ('" + x + "', 1, '" + prefix + "-sx', '" + TENANT + "', 'token', '{}', 'held')");
                    try (ResultSet xid = insert.executeQuery("select txid_current_if_assigned() is null")) {
                        xid.next();
                        withoutXid = xid.getBoolean(1);
                    }
                }
                if (!withoutXid) {
                    held.rollback();
                }
            }
            assertThat(withoutXid).as("a coordinator transaction without xid").isTrue();
            assertThat(api.append(y, token(1, "y")).status()).isEqualTo(200);
            JsonNode whileHeld = api.audit("/v1/audit/events?after=" + cursor).json();
            assertThat(whileHeld.path("events").findValuesAsText("streamId")).as("while the smaller position is open")
                    .doesNotContain(x, y);
            held.commit();
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                api.audit("/v1/audit/events?after=" + cursor).json().path("events")
                        .findValuesAsText("streamId")).containsSubsequence(x, y));
    }

    /** The cursor after the last audit event there is now. */
    private static String endOfAudit() throws Exception {
        String cursor = "";
        while (true) {
            JsonNode page = api.audit("/v1/audit/events?limit=1000" + (cursor.isEmpty() ? "" : "&after=" + cursor))
                    .json();
            if (page.path("events").isEmpty()) {
                return page.path("next").asText();
            }
            cursor = page.path("next").asText();
        }
    }

    private static void created(Http.Answer answer) {
        assertThat(answer.status()).as(answer.body()).isEqualTo(201);
    }

    /** True when the plan runs on one shard: every Task Count is 1, or an insert whose rows all go to one session. */
    static boolean onOneShard(String plan) {
        Matcher counts = TASK_COUNT.matcher(plan);
        boolean any = false;
        while (counts.find()) {
            any = true;
            if (!counts.group(1).equals("1")) {
                return false;
            }
        }
        return !plan.contains("Distributed Subplan") && (any || plan.contains("INSERT/SELECT method: pull to coordinator"));
    }

    private static String explain(Connection db, Statements.Statement statement) throws SQLException {
        return explain(db, withLiterals(statement.sql(), statement.args()));
    }

    private static String explain(Connection db, String sql) throws SQLException {
        StringBuilder plan = new StringBuilder();
        try (Statement explain = db.createStatement(); ResultSet rows = explain.executeQuery("explain (costs off) " + sql)) {
            while (rows.next()) {
                plan.append(rows.getString(1)).append('\n');
            }
        }
        return plan.toString();
    }

    /**
     * The statement with its parameters written in as literals: Citus plans a statement's shards from
     * its values, and a generic plan of a parameterized statement cannot be explained.
     */
    static String withLiterals(String sql, Object[] args) {
        String text = sql;
        for (int i = args.length; i >= 1; i--) {
            text = text.replace("$" + i, literal(args[i - 1]));
        }
        return text;
    }

    private static String literal(Object value) {
        if (value == null) {
            return "null";
        }
        if (value instanceof String text) {
            return "'" + text.replace("'", "''") + "'";
        }
        if (value instanceof OffsetDateTime time) {
            return "'" + time + "'::timestamptz";
        }
        if (value instanceof io.vertx.core.buffer.Buffer bytes) {
            return "'\\x" + java.util.HexFormat.of().formatHex(bytes.getBytes()) + "'::bytea";
        }
        if (value instanceof Object[] array) {
            String type = array instanceof Integer[] ? "integer[]" : array instanceof Boolean[] ? "boolean[]"
                    : array instanceof io.vertx.core.buffer.Buffer[] ? "bytea[]" : "text[]";
            List<String> elements = new ArrayList<>();
            for (Object element : array) {
                elements.add(literal(element));
            }
            return "array[" + String.join(", ", elements) + "]::" + type;
        }
        return value.toString();
    }
}
