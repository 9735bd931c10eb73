package dev.streamjournal.audit;

import static dev.streamjournal.support.Api.append;
import static dev.streamjournal.support.Api.createStream;
import static dev.streamjournal.support.Api.event;
import static dev.streamjournal.support.Api.id;
import static dev.streamjournal.support.Api.token;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasSize;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamjournal.support.Db;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Audit pages with filters and cursors; the lifecycle log with every fact and principal; a reader at
 * the tail does not skip an event of a transaction still in flight, in both xid orders, and passes a
 * rolled-back position; NDJSON export of 3,000 events in order.
 */
@QuarkusTest
class AuditTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Inject
    Db db;

    private static List<Long> positions(JsonPath page) {
        return page.getList("events.position", Long.class);
    }

    private String cursorAtTheEnd() {
        return AuditCursor.encode(db.scalarLong("select coalesce(max(position), 0) from journal_events"));
    }

    @Test
    void eventsPage_inGlobalOrder_withFiltersAndCursor() {
        String session = id("s");
        String first = id("a");
        String second = id("b");
        createStream(session, first);
        append(first, List.of(token("1"), token("2"), event("done", Map.of()), event("stream_end", Map.of()))).statusCode(200);
        createStream(session, second);
        append(second, List.of(token("3"), event("reasoning", Map.of("text", "r")))).statusCode(200);
        createStream(id("other"), id("c"));

        JsonPath all = given().get("/v1/audit/events?sessionId={s}&limit=4", session).then().statusCode(200)
                .body("events", hasSize(4))
                .body("events.sessionId", everyItem(equalTo(session)))
                .body("events.principal", everyItem(equalTo("anonymous")))
                .body("events[0].streamId", equalTo(first))
                .body("events[0].seq", equalTo(1))
                .body("events[0].data.text", equalTo("1"))
                .extract().jsonPath();
        List<Long> firstPage = positions(all);
        assertThat(firstPage).isSorted();
        JsonPath rest = given().get("/v1/audit/events?sessionId={s}&after={c}", session, all.getString("next"))
                .then().statusCode(200).body("events", hasSize(2)).extract().jsonPath();
        assertThat(positions(rest).get(0)).isGreaterThan(firstPage.get(3));
        assertThat(rest.getList("events.streamId")).containsOnly(second);

        given().get("/v1/audit/events?streamId={s}&type=token", second).then()
                .body("events.data.text", contains("3"));
        given().get("/v1/audit/events?sessionId={s}&from=2000-01-01T00:00:00Z&to=2999-01-01T00:00:00Z", session)
                .then().body("events", hasSize(6));
        given().get("/v1/audit/events?sessionId={s}&to=2000-01-01T00:00:00Z", session).then().body("events", hasSize(0));
    }

    @Test
    void lifecycle_recordsEveryFact_withItsPrincipal() {
        String session = id("s");
        String first = id("a");
        createStream(session, first);
        append(first, List.of(token("x"), event("done", Map.of()), event("stream_end", Map.of()))).statusCode(200);
        String second = id("b");
        createStream(session, second);

        JsonPath page = given().get("/v1/audit/lifecycle?sessionId={s}", session).then().statusCode(200)
                .extract().jsonPath();
        List<String> facts = new ArrayList<>();
        for (int i = 0; i < page.getList("entries").size(); i++) {
            facts.add(page.getString("entries[" + i + "].streamId").equals(first) ? "first " : "second ");
            facts.set(i, facts.get(i) + page.getString("entries[" + i + "].kind") + ":" + page.getString("entries[" + i + "].state"));
        }
        assertThat(facts).containsExactly("first created:null", "first settlement:active", "first terminal:completed",
                "first settlement:restored", "first closed:completed", "second created:null",
                "second settlement:active", "first settlement:stale");
        assertThat(page.getList("entries.principal")).containsOnly("anonymous");
        assertThat(page.getString("entries[7].detail.currentStreamId")).isEqualTo(second);
    }

    @Test
    void aReaderAtTheTail_neverSkipsAnEventCommittedLaterWithASmallerPosition() {
        String session = id("s");
        String sessionOfY = id("s2");
        String x = id("x");
        String y = id("y");
        createStream(session, x);
        createStream(sessionOfY, y);
        String start = cursorAtTheEnd();

        for (boolean laterXidFirst : List.of(true, false)) {
            SqlConnection a = db.pool().getConnection().await().atMost(TIMEOUT);
            SqlConnection b = db.pool().getConnection().await().atMost(TIMEOUT);
            try {
                int seq = laterXidFirst ? 1 : 2;
                a.query("begin").execute().await().atMost(TIMEOUT);
                b.query("begin").execute().await().atMost(TIMEOUT);
                if (!laterXidFirst) {
                    // b takes its xid first, a takes the smaller position: xid order differs from position order
                    b.query("select pg_current_xact_id()").execute().await().atMost(TIMEOUT);
                }
                insert(a, x, session, seq);
                insert(b, y, sessionOfY, seq);
                b.query("commit").execute().await().atMost(TIMEOUT);

                JsonPath tail = given().get("/v1/audit/events?after={c}", start).then().statusCode(200).extract().jsonPath();
                assertThat(tail.getList("events.streamId")).as("while the smaller position is in flight")
                        .doesNotContain(y).doesNotContain(x);

                a.query("commit").execute().await().atMost(TIMEOUT);
                // read until both come: another transaction of the service in flight (a sweep's) holds the
                // tail for as long as it runs
                String from = start;
                JsonPath after = await().atMost(TIMEOUT).until(
                        () -> given().get("/v1/audit/events?after={c}", from).then().statusCode(200).extract().jsonPath(),
                        page -> page.getList("events.streamId").containsAll(List.of(x, y)));
                List<String> streams = after.getList("events.streamId");
                assertThat(streams.subList(streams.size() - 2, streams.size())).containsExactly(x, y);
                assertThat(positions(after)).isSorted();
                start = after.getString("next");
            } finally {
                a.close().await().atMost(TIMEOUT);
                b.close().await().atMost(TIMEOUT);
            }
        }
    }

    @Test
    void aRolledBackPosition_isAFinalGap() {
        String x = id("x");
        String y = id("y");
        String sessionOfX = id("s");
        String sessionOfY = id("s2");
        createStream(sessionOfX, x);
        createStream(sessionOfY, y);
        String start = cursorAtTheEnd();
        SqlConnection a = db.pool().getConnection().await().atMost(TIMEOUT);
        SqlConnection b = db.pool().getConnection().await().atMost(TIMEOUT);
        try {
            a.query("begin").execute().await().atMost(TIMEOUT);
            b.query("begin").execute().await().atMost(TIMEOUT);
            insert(a, x, sessionOfX, 1);
            insert(b, y, sessionOfY, 1);
            b.query("commit").execute().await().atMost(TIMEOUT);
            a.query("rollback").execute().await().atMost(TIMEOUT);

            given().get("/v1/audit/events?after={c}", start).then().statusCode(200)
                    .body("events.streamId", contains(y));
        } finally {
            a.close().await().atMost(TIMEOUT);
            b.close().await().atMost(TIMEOUT);
        }
    }

    private static void insert(SqlConnection connection, String stream, String session, int seq) {
        connection.preparedQuery("""
                        insert into journal_events (stream_id, seq, session_id, tenant, type, data, principal)
                        values ($1, $2, $3, 'default', 'token', '{}', 'test')""")
                .execute(Tuple.of(stream, seq, session)).await().atMost(TIMEOUT);
    }

    @Test
    void ndjsonExport_streamsTheWholeSelection() throws Exception {
        String session = id("s");
        String stream = id("st");
        createStream(session, stream);
        db.rows("""
                insert into journal_events (stream_id, seq, session_id, tenant, type, data, principal)
                select $1, n, $2, 'default', 'token', jsonb_build_object('text', 't' || n), 'bulk'
                  from generate_series(1, 3000) n""", stream, session);

        String body = given().accept("application/x-ndjson").get("/v1/audit/events?sessionId={s}", session)
                .then().statusCode(200).contentType(org.hamcrest.Matchers.startsWith("application/x-ndjson"))
                .extract().asString();
        String[] lines = body.strip().split("\n");
        assertThat(lines).hasSize(3000);
        long previous = 0;
        for (int i = 0; i < lines.length; i++) {
            JsonNode line = JSON.readTree(lines[i]);
            assertThat(line.path("seq").asInt()).isEqualTo(i + 1);
            assertThat(line.path("position").asLong()).isGreaterThan(previous);
            previous = line.path("position").asLong();
        }
    }

    @Test
    void badFiltersAndCursors_are400() {
        for (String query : List.of("after=nope", "after=djE6LTU", "limit=0", "limit=1001", "from=yesterday",
                "to=2026-13-01T00:00:00Z", "type=nope", "sessionId=a%20b", "streamId=%27x")) {
            given().urlEncodingEnabled(false).get("/v1/audit/events?" + query).then()
                    .statusCode(400).contentType("application/problem+json");
        }
        given().get("/v1/audit/lifecycle?after=zz").then().statusCode(400)
                .body("type", equalTo("https://stream-journal.dev/problems/invalid-request"));
    }
}
