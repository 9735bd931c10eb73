package dev.streamjournal.journal;

import static dev.streamjournal.support.Api.append;
import static dev.streamjournal.support.Api.createStream;
import static dev.streamjournal.support.Api.event;
import static dev.streamjournal.support.Api.id;
import static dev.streamjournal.support.Api.token;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code GET /v1/streams}: the tenant's streams newest first, by state and session, in keyset pages. */
@QuarkusTest
class StreamListTest {

    private String session;
    private String closed;
    private String terminal;
    private String active;

    /** One session with a closed, a terminal (not closed) and a live stream, created in that order. */
    @BeforeEach
    void streams() {
        session = id("list-s");
        closed = id("closed");
        terminal = id("terminal");
        active = id("active");
        createStream(session, closed);
        append(closed, List.of(token("a"), event("done", Map.of()), event("stream_end", Map.of()))).statusCode(200);
        createStream(session, terminal);
        append(terminal, List.of(token("b"), event("done", Map.of()))).statusCode(200);
        createStream(session, active);
        append(active, List.of(token("c"))).statusCode(200);
    }

    @Test
    void aSessionsStreams_newestFirst_byState() {
        assertThat(ids("/v1/streams?sessionId=" + session)).containsExactly(active, terminal, closed);
        assertThat(ids("/v1/streams?sessionId=" + session + "&state=active")).containsExactly(active);
        assertThat(ids("/v1/streams?sessionId=" + session + "&state=terminal")).containsExactly(terminal);
        assertThat(ids("/v1/streams?sessionId=" + session + "&state=closed")).containsExactly(closed);
        JsonPath page = given().get("/v1/streams?sessionId=" + session).then().statusCode(200).extract().jsonPath();
        assertThat(page.getString("streams[0].sessionId")).isEqualTo(session);
        assertThat(page.getBoolean("streams[0].active")).isTrue();
        assertThat(page.getBoolean("streams[2].journal.closed")).isTrue();
        assertThat(page.getString("next")).isNull();
    }

    @Test
    void thePagesOfAListing_holdEveryStreamOnce_inOrder() {
        List<String> seen = new ArrayList<>();
        String after = "";
        do {
            JsonPath page = given().get("/v1/streams?sessionId=" + session + "&limit=1" + after)
                    .then().statusCode(200).extract().jsonPath();
            seen.addAll(page.getList("streams.streamId", String.class));
            after = page.getString("next") == null ? null : "&after=" + page.getString("next");
        } while (after != null);
        assertThat(seen).containsExactly(active, terminal, closed);
    }

    @Test
    void theTenantsListing_startsWithItsNewestStreams() {
        // the tests of this class run one at a time: nothing else creates streams meanwhile
        assertThat(ids("/v1/streams?limit=3")).containsExactly(active, terminal, closed);
        assertThat(ids("/v1/streams?state=active&limit=1")).containsExactly(active);
        List<String> terminals = ids("/v1/streams?state=terminal&limit=1000");
        assertThat(terminals).contains(terminal).doesNotContain(active, closed);
    }

    @Test
    void anUnknownSession_listsNothing() {
        assertThat(ids("/v1/streams?sessionId=" + id("nobody"))).isEmpty();
    }

    private static List<String> ids(String path) {
        return given().get(path).then().statusCode(200).extract().jsonPath().getList("streams.streamId", String.class);
    }
}
