package dev.streamjournal.ds.subscription;

import static dev.streamjournal.support.Api.id;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.startsWith;

import dev.streamjournal.support.Db;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Subscriptions over real HTTP and PostgreSQL: bad requests are problem documents that carry the
 * protocol's error code and write nothing; a pull-wake subscription links a new matching path, writes one
 * wake event per generation to its wake stream, fences a stale ack, and a lease that ends unacked wakes it
 * again with the next generation.
 */
@QuarkusTest
class SubscriptionTest {

    private static final String ROOT = "/ds/v1/stream/";

    @Inject
    Db db;

    @Inject
    SubscriptionService service;

    private static String sub(String id) {
        return ROOT + "__ds/subscriptions/" + id;
    }

    @Test
    void badRequests_areProblemsWithTheProtocolsCode_andWriteNothing() {
        given().get(ROOT + "__ds/jwks.json").then().statusCode(200).body("keys[0].kid", startsWith("ds_"));
        Map<String, Long> before = db.rowCounts();
        String id = id("sub");
        record Bad(String method, String path, String body, int status, String code) {
        }
        for (Bad bad : List.of(
                new Bad("PUT", sub(id), "not json", 400, "INVALID_REQUEST"),
                new Bad("PUT", sub(id), "{\"type\":\"webhook\",\"pattern\":\"a/*\",\"webhook\":{\"url\":\"http://10.0.0.1/x\"}}",
                        400, "WEBHOOK_URL_REJECTED"),
                new Bad("PUT", sub(id), "{\"type\":\"pull-wake\",\"pattern\":\"a/*\"}", 400, "INVALID_REQUEST"),
                new Bad("PUT", sub("bad%20id"), "{\"type\":\"pull-wake\",\"pattern\":\"a/*\",\"wake_stream\":\"w\"}",
                        400, "INVALID_REQUEST"),
                new Bad("GET", sub(id), "", 404, "SUBSCRIPTION_NOT_FOUND"),
                new Bad("POST", sub(id) + "/streams", "{\"streams\":[]}", 400, "INVALID_REQUEST"),
                new Bad("POST", sub(id) + "/streams", "{\"streams\":[\"a\"]}", 404, "SUBSCRIPTION_NOT_FOUND"),
                new Bad("DELETE", sub(id) + "/streams/a", "", 404, "SUBSCRIPTION_NOT_FOUND"),
                new Bad("POST", sub(id) + "/claim", "{}", 400, "INVALID_REQUEST"),
                new Bad("POST", sub(id) + "/claim", "{\"worker\":\"w\"}", 404, "SUBSCRIPTION_NOT_FOUND"),
                new Bad("POST", sub(id) + "/ack", "{}", 401, "TOKEN_INVALID"),
                new Bad("POST", ROOT + "__ds/other", "", 404, "SUBSCRIPTION_NOT_FOUND"))) {
            given().contentType("application/json").body(bad.body()).request(bad.method(), bad.path()).then()
                    .statusCode(bad.status())
                    .contentType("application/problem+json")
                    .body("status", equalTo(bad.status()))
                    .body("error.code", equalTo(bad.code()));
        }
        given().header("Authorization", "Bearer forged").contentType("application/json").body("{}")
                .post(sub(id) + "/release").then().statusCode(401).body("error.code", equalTo("TOKEN_INVALID"));
        given().contentType("text/plain").body("x").put(ROOT + "__ds/x").then().statusCode(404);
        assertThat(db.rowCounts()).isEqualTo(before);
    }

    @Test
    void pullWake_wakesOncePerGeneration_fencesAStaleAck_andAnExpiredLeaseWakesAgain() {
        String prefix = id("pw");
        String wakeStream = prefix + "/wake";
        String path = prefix + "/events/a";
        String id = id("pull");
        given().contentType("application/json").body("[]").put(ROOT + wakeStream).then().statusCode(201);
        given().contentType("application/json").body(Map.of("type", "pull-wake", "pattern", prefix + "/events/*",
                "wake_stream", wakeStream, "lease_ttl_ms", 1000)).put(sub(id)).then().statusCode(201);
        given().contentType("application/json").body(Map.of("type", "pull-wake", "pattern", prefix + "/other/*",
                "wake_stream", wakeStream, "lease_ttl_ms", 1000)).put(sub(id)).then().statusCode(409)
                .body("error.code", equalTo("SUBSCRIPTION_ALREADY_EXISTS"));

        given().contentType("application/json").body("{\"n\":1}").put(ROOT + path).then().statusCode(201);
        given().contentType("application/json").body("{\"n\":2}").post(ROOT + path).then().statusCode(204);
        await().atMost(Duration.ofSeconds(10)).until(() -> wakes(wakeStream).size() == 1);
        JsonPath claim = given().contentType("application/json").body(Map.of("worker", "w1"))
                .post(sub(id) + "/claim").then().statusCode(200).extract().jsonPath();
        assertThat(claim.getLong("generation")).isEqualTo(1);
        assertThat(claim.getList("streams.path")).containsExactly(path);
        assertThat(claim.getString("streams[0].acked_offset")).isEqualTo("-1");
        assertThat(claim.getString("streams[0].tail_offset")).isEqualTo("0000000000000000_0000000000000002");

        // the lease ends without an ack: any replica's sweep clears the holder and wakes generation 2
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            service.sweep().await().atMost(Duration.ofSeconds(10));
            return wakes(wakeStream).size() == 2;
        });
        assertThat(wakes(wakeStream)).extracting(wake -> wake.get("generation")).containsExactly(1, 2);
        given().header("Authorization", "Bearer " + claim.getString("token")).contentType("application/json")
                .body(Map.of("wake_id", claim.getString("wake_id"), "generation", 1, "done", true))
                .post(sub(id) + "/ack").then().statusCode(409).body("error.code", equalTo("FENCED"));

        JsonPath again = given().contentType("application/json").body(Map.of("worker", "w2"))
                .post(sub(id) + "/claim").then().statusCode(200).extract().jsonPath();
        assertThat(again.getLong("generation")).isEqualTo(2);
        given().header("Authorization", "Bearer " + again.getString("token")).contentType("application/json")
                .body(Map.of("wake_id", again.getString("wake_id"), "generation", 2, "done", true,
                        "acks", List.of(Map.of("stream", path, "offset", "0000000000000000_0000000000000003"))))
                .post(sub(id) + "/ack").then().statusCode(409).body("error.code", equalTo("INVALID_OFFSET"));
        given().header("Authorization", "Bearer " + again.getString("token")).contentType("application/json")
                .body(Map.of("wake_id", again.getString("wake_id"), "generation", 2, "done", true,
                        "acks", List.of(Map.of("stream", path, "offset", "0000000000000000_0000000000000002"))))
                .post(sub(id) + "/ack").then().statusCode(200).body("ok", equalTo(true)).body("next_wake", equalTo(false));
        given().get(sub(id)).then().statusCode(200)
                .body("streams", hasSize(1))
                .body("streams[0].acked_offset", equalTo("0000000000000000_0000000000000002"));
        given().delete(sub(id)).then().statusCode(204);
        given().get(sub(id)).then().statusCode(404);
    }

    private static List<Map<String, Object>> wakes(String wakeStream) {
        return given().get(ROOT + wakeStream).then().statusCode(200).extract().jsonPath().getList("$");
    }
}
