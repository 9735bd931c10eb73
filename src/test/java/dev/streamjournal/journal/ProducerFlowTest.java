package dev.streamjournal.journal;

import static dev.streamjournal.support.Api.append;
import static dev.streamjournal.support.Api.appendRaw;
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
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import dev.streamjournal.support.Db;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The whole producer flow, status, event pages, session transcript, hermes status.
 */
@QuarkusTest
class ProducerFlowTest {

    @Inject
    Db db;

    @Test
    void create_returns201WithStatus_andPutsUserMessageIntoTranscript() {
        String session = id("s");
        String stream = id("st");
        create(session, Map.of("streamId", stream, "userMessage", Map.of("content", "hi", "attachments", List.of("a"))))
                .statusCode(201)
                .header("Location", endsWith("/v1/streams/" + stream))
                .body("streamId", equalTo(stream))
                .body("sessionId", equalTo(session))
                .body("active", equalTo(true))
                .body("leaseExpiresAt", notNullValue())
                .body("journal.lastSeq", equalTo(0))
                .body("journal.terminal", equalTo(false))
                .body("journal.closed", equalTo(false));

        given().get("/v1/sessions/{id}", session).then()
                .statusCode(200)
                .body("sessionId", equalTo(session))
                .body("activeStreamId", equalTo(stream))
                .body("revision", equalTo(1))
                .body("messages", hasSize(1))
                .body("messages[0].role", equalTo("user"))
                .body("messages[0].streamId", equalTo(stream))
                .body("messages[0].content", equalTo("hi"))
                .body("messages[0].attachments", contains("a"))
                .body("messages[0].at", notNullValue())
                .body("streams.streamId", contains(stream));
    }

    @Test
    void create_repeatedWithSameBody_is200SameStream_butDifferentBodyIsStreamExists() {
        String session = id("s");
        String stream = id("st");
        Map<String, Object> body = Map.of("streamId", stream, "userMessage", Map.of("content", "hi"));
        create(session, body).statusCode(201);
        create(session, body).statusCode(200).body("streamId", equalTo(stream));
        create(session, Map.of("streamId", stream, "userMessage", Map.of("content", "other")))
                .statusCode(409).body("type", endsWith("/stream-exists"));
        create(id("other-session"), body).statusCode(409).body("type", endsWith("/stream-exists"));

        given().get("/v1/sessions/{id}", session).then().body("messages", hasSize(1)).body("revision", equalTo(1));
    }

    @Test
    void fullFlow_tokensDoneTrailersStreamEnd_thenClosed() {
        String session = id("s");
        String stream = id("st");
        createStream(session, stream);

        append(stream, List.of(token("Hel"), token("lo")))
                .statusCode(200)
                .body("streamId", equalTo(stream))
                .body("lastSeq", equalTo(2))
                .body("appended", equalTo(2))
                .body("duplicates", equalTo(0))
                .body("terminal", equalTo(false))
                .body("terminalState", nullValue())
                .body("closed", equalTo(false));

        append(stream, List.of(event(3, "done", Map.of("usage", Map.of("outputTokens", 2)))))
                .statusCode(200)
                .body("lastSeq", equalTo(3))
                .body("terminal", equalTo(true))
                .body("terminalState", equalTo("completed"))
                .body("closed", equalTo(false));

        append(stream, List.of(token("late"))).statusCode(409).body("type", endsWith("/stream-terminal"));
        append(stream, List.of(event("title", Map.of("title", "Greeting")), event("metering", Map.of())))
                .statusCode(200).body("lastSeq", equalTo(5));
        append(stream, List.of(event("stream_end", Map.of())))
                .statusCode(200).body("closed", equalTo(true)).body("terminalState", equalTo("completed"));
        append(stream, List.of(event("title", Map.of()))).statusCode(409).body("type", endsWith("/stream-closed"));

        given().get("/v1/streams/{id}", stream).then()
                .statusCode(200)
                .body("active", equalTo(false))
                .body("journal.lastSeq", equalTo(6))
                .body("journal.eventCount", equalTo(6))
                .body("journal.lastEvent", equalTo("stream_end"))
                .body("journal.lastEventId", equalTo(stream + ":6"))
                .body("journal.terminal", equalTo(true))
                .body("journal.terminalState", equalTo("completed"))
                .body("journal.closed", equalTo(true));

        given().get("/v1/sessions/{id}", session).then()
                .body("revision", equalTo(2))
                .body("activeStreamId", nullValue())
                .body("currentStreamId", equalTo(stream))
                .body("messages", hasSize(2))
                .body("messages[1].role", equalTo("assistant"))
                .body("messages[1].content", equalTo("Hello"))
                .body("messages[1].usage.outputTokens", equalTo(2))
                .body("messages[1].terminalState", equalTo("completed"));

        given().get("/api/chat/stream/status?stream_id={id}", stream).then()
                .statusCode(200)
                .body("active", equalTo(false))
                .body("stream_id", equalTo(stream))
                .body("replay_available", equalTo(true))
                .body("journal.session_id", equalTo(session))
                .body("journal.last_seq", equalTo(6))
                .body("journal.last_event_id", equalTo(stream + ":6"))
                .body("journal.last_event", equalTo("stream_end"))
                .body("journal.terminal", equalTo(true))
                .body("journal.terminal_state", equalTo("completed"));
    }

    @Test
    void eventsPage_pagesInSeqOrder_withNextUntilTheEnd() {
        String stream = id("st");
        createStream(id("s"), stream);
        append(stream, List.of(token("a"), token("b"), token("c"), token("d"), token("e"))).statusCode(200);

        given().get("/v1/streams/{id}/events?after=1&limit=2", stream).then()
                .statusCode(200)
                .body("events.seq", contains(2, 3))
                .body("events[0].streamId", equalTo(stream))
                .body("events[0].type", equalTo("token"))
                .body("events[0].data.text", equalTo("b"))
                .body("events[0].position", notNullValue())
                .body("events[0].at", notNullValue())
                .body("next", equalTo(3));
        given().get("/v1/streams/{id}/events?after=3&limit=2", stream).then()
                .body("events.seq", contains(4, 5)).body("next", nullValue());
        given().get("/v1/streams/{id}/events", stream).then()
                .body("events", hasSize(5)).body("next", nullValue());
    }

    @Test
    void hermesStatus_ofUnknownStream_isInactiveWithoutReplay() {
        given().get("/api/chat/stream/status?stream_id=nope-{id}", id("x")).then()
                .statusCode(200)
                .body("active", equalTo(false))
                .body("replay_available", equalTo(false))
                .body("journal", nullValue());
    }

    @Test
    void create_repeatedWithNumbersJsonbRewrote_isTheSameStream() {
        String session = id("s");
        String stream = id("st");
        // jsonb stores 1E3 as 1000 and 2.50e1 as 25.0: the retry is still the same request
        String body = "{\"streamId\":\"" + stream + "\",\"userMessage\":{\"content\":\"q\",\"n\":1E3,\"m\":2.50e1}}";
        given().contentType("application/json").body(body).post("/v1/sessions/{id}/streams", session).then().statusCode(201);
        given().contentType("application/json").body(body).post("/v1/sessions/{id}/streams", session).then().statusCode(200);
    }

    @Test
    void dataNestedToTheReadersBound_isWrittenBack_inTheEventAndInTheTranscript() {
        String session = id("s");
        String stream = id("st");
        createStream(session, stream);
        // 3 levels of body around the data, 252 inside it: 256 in all, the deepest body accepted
        String args = "[".repeat(250) + "1" + "]".repeat(250);
        appendRaw(stream, "{\"events\":[{\"type\":\"tool\",\"data\":{\"id\":\"t1\",\"args\":" + args
                + "}},{\"type\":\"done\"}]}").statusCode(200);

        String page = given().get("/v1/streams/{id}/events?after=0", stream).then().statusCode(200).extract().asString();
        assertThat(page).contains(args);
        String view = given().get("/v1/sessions/{id}", session).then().statusCode(200)
                .body("messages[-1].toolCalls", hasSize(1)).extract().asString();
        assertThat(view).contains(args);
    }

    @Test
    void numbersStoredInUpTo1000Digits_areReadBack_atTheTerminalEvent_andLongerOnesAreRefused() {
        String session = id("s");
        String stream = id("st");
        createStream(session, stream);
        // jsonb stores these in full: 1,000 digits each, the longest a read of the journal parses
        appendRaw(stream, "{\"events\":[{\"type\":\"tool\",\"data\":{\"id\":\"t1\",\"big\":1e999,"
                + "\"small\":1e-999}}]}").statusCode(200);
        appendRaw(stream, "{\"events\":[{\"type\":\"tool\",\"data\":{\"id\":\"t2\",\"small\":1e-1000}}]}")
                .statusCode(400).body("type", endsWith("/invalid-event"))
                .body("detail", equalTo("events[0].data.small is a number of 1001 digits as the journal stores it (at most 1000)"));
        append(stream, List.of(event("done", Map.of()))).statusCode(200).body("terminal", equalTo(true));

        String view = given().get("/v1/sessions/{id}", session).then().statusCode(200)
                .body("messages[-1].toolCalls", hasSize(1)).extract().asString();
        assertThat(view).contains("1" + "0".repeat(999)).contains("0." + "0".repeat(998) + "1");
    }

    @Test
    void aNumberStoredInFullBeforeTheDigitRule_isStillReadBack_andItsStreamEnds() {
        String session = id("s");
        String stream = id("st");
        createStream(session, stream);
        // a row written before numbers were bounded: jsonb holds 1e-16383 as 16,384 digits
        db.pool().withTransaction(connection -> connection.preparedQuery("""
                        insert into journal_events (stream_id, seq, session_id, tenant, type, data, principal)
                        values ($1, 1, $2, 'default', 'tool', '{"id":"t1","small":1e-16383}'::jsonb, 'p')""")
                        .execute(Tuple.of(stream, session))
                        .chain(() -> connection.preparedQuery(
                                "update streams set last_seq = 1 where session_id = $1 and stream_id = $2")
                                .execute(Tuple.of(session, stream))))
                .await().atMost(Duration.ofSeconds(30));

        append(stream, List.of(event(2, "done", Map.of()))).statusCode(200).body("terminal", equalTo(true));
        String view = given().get("/v1/sessions/{id}", session).then().statusCode(200)
                .body("messages[-1].toolCalls", hasSize(1)).extract().asString();
        assertThat(view).contains("0." + "0".repeat(16382) + "1");
    }
}
