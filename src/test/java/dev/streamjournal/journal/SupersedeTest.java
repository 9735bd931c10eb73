package dev.streamjournal.journal;

import static dev.streamjournal.support.Api.append;
import static dev.streamjournal.support.Api.create;
import static dev.streamjournal.support.Api.createStream;
import static dev.streamjournal.support.Api.event;
import static dev.streamjournal.support.Api.id;
import static dev.streamjournal.support.Api.token;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;

import dev.streamjournal.support.Db;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code reject} answers {@code session-busy} and writes nothing; {@code interrupt} supersedes in the
 * creating transaction, the old producer gets 409, the new stream is untouched.
 */
@QuarkusTest
class SupersedeTest {

    @Inject
    Db db;

    @Test
    void reject_isTheDefault_sessionBusyNamesTheLiveStream_andWritesNothing() {
        String session = id("s");
        String live = id("live");
        createStream(session, live);
        Map<String, Long> before = db.rowCounts();

        create(session, Map.of("streamId", id("next"), "userMessage", Map.of("content", "again")))
                .statusCode(409)
                .contentType("application/problem+json")
                .body("type", endsWith("/session-busy"))
                .body("activeStreamId", equalTo(live));
        create(session, Map.of("onActive", "reject")).statusCode(409).body("type", endsWith("/session-busy"));

        assertThat(db.rowCounts()).isEqualTo(before);
    }

    @Test
    void interrupt_supersedesTheLiveStream_inTheCreatingTransaction() {
        String session = id("s");
        String old = id("old");
        String next = id("next");
        createStream(session, old);
        append(old, List.of(token("par"), token("tial"))).statusCode(200);

        create(session, Map.of("streamId", next, "onActive", "interrupt", "userMessage", Map.of("content", "q2")))
                .statusCode(201)
                .body("active", equalTo(true));

        given().get("/v1/streams/{id}", old).then()
                .body("active", equalTo(false))
                .body("supersededBy", equalTo(next))
                .body("journal.terminalState", equalTo("superseded"))
                .body("journal.closed", equalTo(true));

        // the old producer cannot touch the session any more
        append(old, List.of(token("late"))).statusCode(409).body("type", endsWith("/stream-closed"))
                .body("terminalState", equalTo("superseded"));
        append(old, List.of(event("done", Map.of()))).statusCode(409).body("type", endsWith("/stream-closed"));
        given().post("/v1/streams/{id}/heartbeat", old).then().statusCode(409).body("type", endsWith("/stream-terminal"));

        given().get("/v1/streams/{id}", next).then()
                .body("active", equalTo(true))
                .body("journal.lastSeq", equalTo(0));
        given().get("/v1/sessions/{id}", session).then()
                .body("activeStreamId", equalTo(next))
                .body("revision", equalTo(3))
                .body("messages.role", contains("user", "assistant", "user"))
                .body("messages.streamId", contains(old, old, next))
                .body("messages[1].content", equalTo("partial"))
                .body("messages[1].terminalState", equalTo("superseded"));

        assertThat(db.rows("select kind, state from lifecycle_log where stream_id = $1 order by id", old))
                .extracting(row -> row.getString("kind") + ":" + row.getString("state"))
                .containsExactly("created:null", "settlement:active", "superseded:superseded", "closed:superseded",
                        "settlement:stale");
        assertThat(db.rows("select kind, state from lifecycle_log where stream_id = $1 order by id", next))
                .extracting(row -> row.getString("kind") + ":" + row.getString("state"))
                .containsExactly("created:null", "settlement:active");
    }

    @Test
    void interrupt_withNoLiveStream_justCreates() {
        String session = id("s");
        String first = id("first");
        createStream(session, first);
        append(first, List.of(event("stream_end", Map.of()))).statusCode(200);

        create(session, Map.of("streamId", id("second"), "onActive", "interrupt")).statusCode(201);
        given().get("/v1/streams/{id}", first).then().body("journal.terminalState", equalTo("completed"));
    }
}
