package dev.streamjournal.journal;

import static dev.streamjournal.support.Api.createStream;
import static dev.streamjournal.support.Api.id;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamjournal.journal.JournalRepository.Continuation;
import dev.streamjournal.journal.JournalRepository.Continued;
import dev.streamjournal.security.Caller;
import dev.streamjournal.support.Db;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Group commit of the common append: batches that wait together share one statement, a bad batch does
 * not fail the others, a locked stream holds up nobody, and the stream rows' updates stay HOT.
 */
@QuarkusTest
class AppendCombinerTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Inject
    AppendCombiner combiner;

    @Inject
    AppendService appends;

    @Inject
    JournalRepository journal;

    @Inject
    Db db;

    @Inject
    MeterRegistry registry;

    @Inject
    ObjectMapper json;

    private final List<SqlConnection> holders = new ArrayList<>();

    @AfterEach
    void release() {
        for (SqlConnection holder : holders) {
            holder.query("rollback").execute().await().atMost(TIMEOUT);
            holder.close().await().atMost(TIMEOUT);
        }
        holders.clear();
    }

    /** Opens a transaction that holds {@code sql}'s lock until {@link #letGo(SqlConnection)}. */
    private SqlConnection hold(String sql, Object... args) {
        SqlConnection holder = db.pool().getConnection().await().atMost(TIMEOUT);
        holders.add(holder);
        holder.query("begin").execute().await().atMost(TIMEOUT);
        holder.preparedQuery(sql).execute(io.vertx.mutiny.sqlclient.Tuple.from(args)).await().atMost(TIMEOUT);
        return holder;
    }

    private void letGo(SqlConnection holder) {
        holder.query("rollback").execute().await().atMost(TIMEOUT);
    }

    /** A new stream in a new session. */
    private static String newStream() {
        String stream = id("st");
        createStream(id("s"), stream);
        return stream;
    }

    private String sessionOf(String stream) {
        return db.rows("select session_id from stream_sessions where stream_id = $1", stream).get(0).getString("session_id");
    }

    /** The texts of a stream's events, in seq order. */
    private List<String> texts(String stream) {
        return db.rows("select data->>'text' as t from journal_events where stream_id = $1 order by seq", stream)
                .stream().map(row -> row.getString("t")).toList();
    }

    /** Appends a batch the way a request does (through the combiner); answers the stream's new last seq. */
    private Uni<Integer> append(Continuation batch) {
        return appends.append(batch.streamId(), new AppendRequest(batch.events()), Caller.ANONYMOUS)
                .map(AppendResult::lastSeq);
    }

    private double statements() {
        return registry.get("journal.append.statements").counter().count();
    }

    private Continuation tokens(String stream, String... texts) {
        List<EventInput> events = new ArrayList<>();
        for (String text : texts) {
            events.add(new EventInput(null, "token", json.valueToTree(Map.of("text", text))));
        }
        return Continuation.of(sessionOf(stream), stream, "default", "anonymous", events);
    }

    private static AppendRequest request(ObjectMapper json, String text) {
        return new AppendRequest(List.of(new EventInput(null, "token", json.valueToTree(Map.of("text", text)))));
    }

    @Test
    void batchesThatWaitTogether_leaveInOneStatement_eachOnItsOwnStream() throws Exception {
        List<String> streams = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            streams.add(newStream());
        }
        double before = statements();
        // the first statement blocks on its insert; the five batches that arrive meanwhile wait for it
        SqlConnection table = hold("lock table journal_events in share mode");
        List<CompletableFuture<Continued>> answers = new ArrayList<>();
        for (String stream : streams) {
            answers.add(combiner.<Continued>append(tokens(stream, "a-" + stream, "b-" + stream), written -> written,
                    () -> Uni.createFrom().failure(new AssertionError("not written by the combined statement")))
                    .subscribeAsCompletionStage());
        }
        letGo(table);

        for (int i = 0; i < streams.size(); i++) {
            Continued continued = answers.get(i).get(30, TimeUnit.SECONDS);
            assertThat(continued.lastSeq()).isEqualTo(2);
            assertThat(continued.events()).extracting(JournalEvent::seq).containsExactly(1, 2);
            assertThat(continued.events()).extracting(JournalEvent::data)
                    .containsExactly("{\"text\": \"a-" + streams.get(i) + "\"}", "{\"text\": \"b-" + streams.get(i) + "\"}");
            assertThat(db.scalarLong("select last_seq from streams where stream_id = $1", streams.get(i))).isEqualTo(2);
        }
        assertThat(statements() - before).isEqualTo(2.0);
    }

    @Test
    void twoBatchesOfOneStream_leaveInSuccessiveStatements_inArrivalOrder() throws Exception {
        String stream = newStream();
        String other = newStream();
        SqlConnection table = hold("lock table journal_events in share mode");
        CompletableFuture<Integer> first = append(tokens(other, "x")).subscribeAsCompletionStage();
        CompletableFuture<Integer> a = append(tokens(stream, "1")).subscribeAsCompletionStage();
        CompletableFuture<Integer> b = append(tokens(stream, "2")).subscribeAsCompletionStage();
        letGo(table);

        assertThat(first.get(30, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(a.get(30, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(b.get(30, TimeUnit.SECONDS)).isEqualTo(2);
        assertThat(texts(stream)).containsExactly("1", "2");
    }

    @Test
    void aBatchOnTheGeneralPath_holdsBackTheNextBatchOfItsStream_only() throws Exception {
        String stream = newStream();
        String other = newStream();
        String opener = newStream();
        SqlConnection row = hold("select 1 from streams where stream_id = $1 for update", stream);
        SqlConnection table = hold("lock table journal_events in share mode");
        CompletableFuture<Integer> opening = append(tokens(opener, "o")).subscribeAsCompletionStage();
        // explicit seqs: written in the other order, the second batch would be refused (seq-gap)
        CompletableFuture<Integer> a = append(Continuation.of(sessionOf(stream), stream, "default", "anonymous",
                List.of(new EventInput(1L, "token", json.valueToTree(Map.of("text", "1")))))).subscribeAsCompletionStage();
        CompletableFuture<Integer> b = append(Continuation.of(sessionOf(stream), stream, "default", "anonymous",
                List.of(new EventInput(2L, "token", json.valueToTree(Map.of("text", "2")))))).subscribeAsCompletionStage();
        CompletableFuture<Integer> passing = append(tokens(other, "p")).subscribeAsCompletionStage();
        letGo(table);

        // the locked stream's first batch is skipped by the statement and waits for the lock on the
        // general path; the other stream's batch is written meanwhile; the second batch waits its turn
        assertThat(opening.get(30, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(passing.get(30, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(a).isNotDone();
        assertThat(b).isNotDone();
        letGo(row);

        assertThat(a.get(30, TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(b.get(30, TimeUnit.SECONDS)).isEqualTo(2);
        assertThat(texts(stream)).containsExactly("1", "2");
    }

    @Test
    void aBatchPostgresRefuses_failsAlone_theOthersOfItsStatementAreWritten() throws Exception {
        String good = newStream();
        String bad = newStream();
        String first = newStream();
        SqlConnection table = hold("lock table journal_events in share mode");
        CompletableFuture<Integer> opener = append(tokens(first, "x")).subscribeAsCompletionStage();
        // jsonb refuses \u0000: the combined statement fails as a whole and each batch is told so
        CompletableFuture<AppendResult> badAnswer = appends.append(bad, request(json, "a\u0000b"), Caller.ANONYMOUS)
                .subscribeAsCompletionStage();
        CompletableFuture<AppendResult> goodAnswer = appends.append(good, request(json, "fine"), Caller.ANONYMOUS)
                .subscribeAsCompletionStage();
        letGo(table);

        assertThat(opener.get(30, TimeUnit.SECONDS)).isEqualTo(1);
        AppendResult written = goodAnswer.get(30, TimeUnit.SECONDS);
        assertThat(written.lastSeq()).isEqualTo(1);
        assertThat(written.appended()).isEqualTo(1);
        ExecutionException refused = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> badAnswer.get(30, TimeUnit.SECONDS));
        assertThat(refused.getCause()).isInstanceOf(io.vertx.pgclient.PgException.class);
        assertThat(db.scalarLong("select count(*) from journal_events where stream_id = $1", good)).isEqualTo(1);
        assertThat(db.scalarLong("select count(*) from journal_events where stream_id = $1", bad)).isZero();
    }

    @Test
    void aStreamLockedByAnotherTransaction_takesTheGeneralPath_andHoldsUpNobody() throws Exception {
        String locked = newStream();
        String free = newStream();
        SqlConnection row = hold("select 1 from streams where stream_id = $1 for update", locked);

        CompletableFuture<AppendResult> waiting = appends.append(locked, request(json, "later"), Caller.ANONYMOUS)
                .subscribeAsCompletionStage();
        AppendResult passing = appends.append(free, request(json, "now"), Caller.ANONYMOUS)
                .await().atMost(TIMEOUT);

        assertThat(passing.lastSeq()).isEqualTo(1);
        assertThat(waiting).isNotDone();
        letGo(row);
        assertThat(waiting.get(30, TimeUnit.SECONDS).lastSeq()).isEqualTo(1);
        assertThat(db.scalarLong("select count(*) from journal_events where stream_id = $1", locked)).isEqualTo(1);
    }

    @Test
    void appendsToABusyStream_updateItsRowWithoutNewIndexEntries() {
        String stream = newStream();
        // one transaction on one connection, so that its own counters tell what its updates were; few
        // enough versions to fit the page's free space (they can be pruned only after the commit). The
        // counters also hold what earlier transactions of the pooled connection have not yet reported,
        // so only their change within this transaction counts.
        SqlConnection holder = hold("select 1");
        long[] before = streamsUpdates(holder);
        for (int i = 0; i < 12; i++) {
            assertThat(journal.appendContinuing(holder, List.of(tokens(stream, "t" + i))).await().atMost(TIMEOUT))
                    .singleElement().extracting(Continued::lastSeq).isEqualTo(i + 1);
        }
        long[] after = streamsUpdates(holder);
        long updates = after[0] - before[0];
        long hot = after[1] - before[1];

        assertThat(updates).isEqualTo(12);
        // HOT: no index entry, the dead versions pruned within the page (fillfactor 50). The first update
        // may move the lease set when the stream was created, in an earlier second.
        assertThat(hot).isGreaterThanOrEqualTo(updates - 1);
    }

    /** The updates and the HOT updates of {@code streams} counted by the connection's open transaction. */
    private static long[] streamsUpdates(SqlConnection holder) {
        var row = holder.query("""
                select pg_stat_get_xact_tuples_updated('streams'::regclass) as updated,
                       pg_stat_get_xact_tuples_hot_updated('streams'::regclass) as hot
                """).execute().await().atMost(TIMEOUT).iterator().next();
        return new long[] {row.getLong("updated"), row.getLong("hot")};
    }

    @Test
    void theLease_isKeptToTheWholeSecond_andNeverShorterThanAsked() {
        String stream = newStream();
        for (int i = 0; i < 3; i++) {
            appends.append(stream, request(json, "t" + i), Caller.ANONYMOUS).await().atMost(TIMEOUT);
        }

        // so that a busy stream's lease, the one indexed column an append sets, changes once a second
        assertThat(db.scalarLong("select extract(microseconds from lease_expires_at)::bigint % 1000000 from streams"
                + " where stream_id = $1", stream)).isZero();
        assertThat(db.scalarLong("select count(*) from streams where stream_id = $1"
                + " and lease_expires_at >= last_event_at + make_interval(secs => lease_seconds)"
                + " and lease_expires_at <= last_event_at + make_interval(secs => lease_seconds + 1)", stream)).isEqualTo(1);
    }
}
