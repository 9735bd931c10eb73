package dev.streamjournal.ds;

import static dev.streamjournal.support.Api.id;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import dev.streamjournal.support.Db;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Bad requests to {@code /ds} over real HTTP and PostgreSQL: each is a problem document with its slug and
 * writes nothing, also those refused after the create's first writes (the path's session row), whose
 * transaction rolls back.
 */
@QuarkusTest
class DsBadRequestTest {

    private static final String ROOT = "/ds/v1/stream/";

    @Inject
    Db db;

    @Test
    void badRequests_areProblems_andWriteNothing() {
        String existing = id("ds-bad") + "/json";
        given().contentType("application/json").body("[{\"n\":1}]").put(ROOT + existing).then().statusCode(201);
        Map<String, Long> before = db.rowCounts();
        record Bad(String method, String path, Map<String, String> headers, String body, int status, String slug) {
        }
        String fresh = id("ds-bad");
        for (Bad bad : List.of(
                new Bad("PUT", fresh + "/a", Map.of("Content-Type", "application/json"), "{not json", 400, "invalid-json"),
                new Bad("PUT", fresh + "/b", Map.of("Content-Type", "text/plain", "Stream-TTL", "9007199254740991"), "",
                        400, "invalid-ttl"),
                new Bad("PUT", fresh + "/c", Map.of("Content-Type", "text/plain", "Stream-Expires-At", "+294277-01-01T00:00:00Z"),
                        "", 400, "invalid-expires-at"),
                new Bad("PUT", fresh + "/d", Map.of("Content-Type", "text/plain", "Stream-TTL", "60",
                        "Stream-Expires-At", "2030-01-01T00:00:00Z"), "", 400, "conflicting-expiry"),
                new Bad("PUT", fresh + "/e", Map.of("Stream-Forked-From", fresh + "/missing"), "", 404, null),
                new Bad("PUT", existing, Map.of("Content-Type", "text/plain"), "", 409, "stream-exists"),
                new Bad("POST", existing, Map.of("Content-Type", "text/plain"), "x", 409, "content-type-mismatch"),
                new Bad("POST", existing, Map.of("Content-Type", "application/json"), "{not json", 400, "invalid-json"),
                new Bad("POST", fresh + "/missing", Map.of("Content-Type", "application/json"), "[]", 404, null))) {
            var response = given().headers(bad.headers()).body(bad.body()).request(bad.method(), ROOT + bad.path())
                    .then().statusCode(bad.status())
                    .contentType(startsWith("application/problem+json"))
                    .body("status", equalTo(bad.status()));
            if (bad.slug() != null) {
                response.body("type", equalTo("https://stream-journal.dev/problems/" + bad.slug()));
            }
        }
        assertThat(db.rowCounts()).isEqualTo(before);
    }
}
