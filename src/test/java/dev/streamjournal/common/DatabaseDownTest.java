package dev.streamjournal.common;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** With the database unreachable, requests answer 503 {@code unavailable}, never a guess, and readiness drops. */
@QuarkusTest
@TestProfile(DatabaseDownTest.Unreachable.class)
class DatabaseDownTest {

    /** Points both datasources at a loopback port where nothing listens. */
    public static class Unreachable implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            int port;
            try (ServerSocket socket = new ServerSocket(0)) {
                port = socket.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Map.of(
                    "quarkus.datasource.reactive.url", "postgresql://127.0.0.1:" + port + "/postgres",
                    "quarkus.datasource.jdbc.url", "jdbc:postgresql://127.0.0.1:" + port + "/postgres",
                    "quarkus.datasource.username", "postgres",
                    "quarkus.flyway.migrate-at-start", "false");
        }

        @Override
        public boolean disableGlobalTestResources() {
            return true;
        }
    }

    @Test
    void append_isUnavailable() {
        given().contentType("application/json").body("{\"events\":[{\"type\":\"token\"}]}")
                .post("/v1/streams/any/events").then()
                .statusCode(503)
                .contentType("application/problem+json")
                .body("type", equalTo("https://stream-journal.dev/problems/unavailable"));
    }

    @Test
    void reads_areUnavailable() {
        given().get("/v1/streams/any").then().statusCode(503).body("type", equalTo("https://stream-journal.dev/problems/unavailable"));
        given().get("/v1/sessions/any").then().statusCode(503).body("type", equalTo("https://stream-journal.dev/problems/unavailable"));
        given().get("/v1/streams/any/settlement").then().statusCode(503).body("type", equalTo("https://stream-journal.dev/problems/unavailable"));
        given().accept("text/event-stream").get("/v1/streams/any/events").then().statusCode(503)
                .body("type", equalTo("https://stream-journal.dev/problems/unavailable"));
    }

    @Test
    void readiness_isDown() {
        given().get("/q/health/ready").then().statusCode(503).body("status", equalTo("DOWN"));
    }
}
