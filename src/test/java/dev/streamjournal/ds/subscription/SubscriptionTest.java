package dev.streamjournal.ds.subscription;

import static dev.streamjournal.support.Api.id;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.startsWith;

import dev.streamjournal.ds.DsPathChange;
import dev.streamjournal.support.Db;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.ValidatableResponse;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
                "wake_stream", wakeStream, "lease_ttl_ms", 60000)).put(sub(id)).then().statusCode(201);
        given().contentType("application/json").body(Map.of("type", "pull-wake", "pattern", prefix + "/other/*",
                "wake_stream", wakeStream, "lease_ttl_ms", 60000)).put(sub(id)).then().statusCode(409)
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

        // the lease ends without an ack (its end is moved, not waited for, so that no later lease can end
        // before the test is done with it): any replica's sweep clears the holder and wakes generation 2
        db.scalarLong("with due as (update ds_subscriptions set lease_expires_at = now() - interval '1 second'"
                + " where subscription_id = $1 returning 1) select count(*) from due", id);
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

    /**
     * A wake event that could not be written (here: the wake stream was closed) is not lost for good: an
     * unclaimed wake is due at the claim timeout, and then the sweep announces the next generation, which
     * waits twice as long for its claim.
     */
    @Test
    void pullWake_whoseWakeEventWasLost_isAnnouncedAgainOnceItsClaimIsDue() {
        String prefix = id("lost");
        String wakeStream = prefix + "/wake";
        String path = prefix + "/events/a";
        String id = id("pull");
        given().contentType("application/json").body("[]").put(ROOT + wakeStream).then().statusCode(201);
        given().header("Stream-Closed", "true").post(ROOT + wakeStream).then().statusCode(204);
        given().contentType("application/json").body(Map.of("type", "pull-wake", "pattern", prefix + "/events/*",
                "wake_stream", wakeStream, "lease_ttl_ms", 60000)).put(sub(id)).then().statusCode(201);
        given().contentType("application/json").body("{\"n\":1}").put(ROOT + path).then().statusCode(201);

        // generation 1 is issued, its event refused by the closed stream; it is due in about a minute
        await().atMost(Duration.ofSeconds(10)).until(() -> db.scalarLong(
                "select generation from ds_subscriptions where subscription_id = $1", id) == 1);
        assertThat(db.scalarLong("select extract(epoch from lease_expires_at - now())::bigint from ds_subscriptions"
                + " where subscription_id = $1", id)).isBetween(30L, 61L);
        given().get(ROOT + wakeStream).then().statusCode(200).body("$", hasSize(0));

        // the wake stream is back; the minute passes (the deadline is moved, not waited for)
        given().delete(ROOT + wakeStream).then().statusCode(204);
        given().contentType("application/json").body("[]").put(ROOT + wakeStream).then().statusCode(201);
        db.scalarLong("with due as (update ds_subscriptions set lease_expires_at = now() - interval '1 second'"
                + " where subscription_id = $1 returning 1) select count(*) from due", id);
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            service.sweep().await().atMost(Duration.ofSeconds(10));
            return wakes(wakeStream).size() == 1;
        });
        assertThat(wakes(wakeStream)).extracting(wake -> wake.get("generation")).containsExactly(2);
        // generation 1 went unclaimed: generation 2 waits twice as long for its claim
        assertThat(db.scalarLong("select extract(epoch from lease_expires_at - now())::bigint from ds_subscriptions"
                + " where subscription_id = $1", id)).isBetween(90L, 121L);
        JsonPath claim = given().contentType("application/json").body(Map.of("worker", "w1"))
                .post(sub(id) + "/claim").then().statusCode(200).extract().jsonPath();
        assertThat(claim.getLong("generation")).isEqualTo(2);
        given().delete(sub(id)).then().statusCode(204);
    }

    /**
     * A path linked at the moment its subscription is deleted: the link's insert holds a key share on the
     * subscription, the delete waits for it and then takes the link with it, instead of failing on the
     * foreign key.
     */
    @Test
    void delete_whileALinkIsBeingInserted_waitsAndTakesTheLinkWithIt() throws Exception {
        String prefix = id("del");
        String id = id("pull");
        given().contentType("application/json").body("[]").put(ROOT + prefix + "/wake").then().statusCode(201);
        given().contentType("application/json").body(Map.of("type", "pull-wake", "pattern", prefix + "/events/*",
                "wake_stream", prefix + "/wake")).put(sub(id)).then().statusCode(201);
        Row row = db.rows("select sub_key, tenant from ds_subscriptions where subscription_id = $1", id).get(0);
        String subKey = row.getString("sub_key");
        SqlConnection linking = db.pool().getConnection().await().atMost(Duration.ofSeconds(10));
        try {
            linking.query("begin").execute().await().atMost(Duration.ofSeconds(10));
            linking.preparedQuery("insert into ds_subscription_links (sub_key, tenant, path, explicit, glob, acked_offset)"
                    + " values ($1, $2, $3, false, true, '-1')").execute(Tuple.of(subKey, row.getString("tenant"),
                            prefix + "/events/new")).await().atMost(Duration.ofSeconds(10));
            CompletableFuture<Integer> deleting = CompletableFuture.supplyAsync(() -> given().delete(sub(id)).statusCode());
            await().atMost(Duration.ofSeconds(10)).until(() -> db.scalarLong("select count(*) from pg_stat_activity"
                    + " where wait_event_type = 'Lock' and query like 'delete from ds_subscriptions%'") == 1);
            linking.query("commit").execute().await().atMost(Duration.ofSeconds(10));
            assertThat(deleting.get(10, TimeUnit.SECONDS)).isEqualTo(204);
        } finally {
            linking.close().await().atMost(Duration.ofSeconds(10));
        }
        assertThat(db.scalarLong("select count(*) from ds_subscription_links where sub_key = $1", subKey)).isZero();
        given().get(sub(id)).then().statusCode(404);
    }

    /**
     * A webhook receiver that takes the request and never answers: the delivery fails at the delivery
     * timeout, its connection is closed (not left in the pool), and the subscription shows {@code failed}.
     */
    @Test
    void webhook_toAReceiverThatNeverAnswers_failsAtTheTimeout_andDropsTheConnection() throws Exception {
        String prefix = id("hang");
        String id = id("hook");
        try (ServerSocket receiver = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Integer> afterRequest = CompletableFuture.supplyAsync(() -> {
                try (Socket connection = receiver.accept()) {
                    InputStream in = connection.getInputStream();
                    byte[] buffer = new byte[8192];
                    int read;
                    int total = 0;
                    // read the request, answer nothing; -1 once the service closes the connection
                    while ((read = in.read(buffer)) >= 0) {
                        total += read;
                    }
                    return total;
                } catch (IOException e) {
                    return -1;
                }
            });
            given().contentType("application/json").body(Map.of("type", "webhook", "pattern", prefix + "/*",
                    "webhook", Map.of("url", "http://127.0.0.1:" + receiver.getLocalPort() + "/hook")))
                    .put(sub(id)).then().statusCode(201);
            given().contentType("application/json").body("{\"n\":1}").put(ROOT + prefix + "/a").then().statusCode(201);
            assertThat(afterRequest.get(30, TimeUnit.SECONDS)).as("bytes of the request before the close").isPositive();
            await().atMost(Duration.ofSeconds(30)).until(() -> "failed".equals(
                    given().get(sub(id)).then().statusCode(200).extract().path("status")));
        }
        given().delete(sub(id)).then().statusCode(204);
    }

    /**
     * A cursor belongs to one incarnation of its path: after the path expired and was created again, the
     * new messages are pending from the first, though the old cursor was past them.
     */
    @Test
    void aPathCreatedAgainAfterItExpired_isPendingFromItsFirstMessage() {
        Claimed first = claimedPullWake("again");
        String tail = first.claim().getString("streams[0].tail_offset");
        assertThat(tail).isEqualTo("0000000000000000_0000000000000001");
        ack(first.id(), first.claim(), 1, first.path(), tail).statusCode(200);

        // the path expires and is created again with one message: by its offset alone the old cursor would
        // have covered it
        expireAndCreateAgain(first.path(), "[{\"n\":3}]");
        await().atMost(Duration.ofSeconds(10)).until(() -> wakes(first.wakeStream()).size() == 2);
        JsonPath second = claim(first.id());
        assertThat(second.getLong("generation")).isEqualTo(2);
        assertThat(second.getString("streams[0].acked_offset")).isEqualTo("-1");
        assertThat(second.getString("streams[0].tail_offset")).isEqualTo("0000000000000000_0000000000000001");
        ack(first.id(), second, 2, first.path(), "0000000000000000_0000000000000001").statusCode(200)
                .body("next_wake", equalTo(false));
        given().delete(sub(first.id())).then().statusCode(204);
    }

    /**
     * An ack counts against the incarnation its wake showed: the path expired and was created again while
     * the worker held the wake, so its ack of the old offset leaves the new incarnation's message pending.
     */
    @Test
    void anAckOfAnIncarnationGoneMeanwhile_leavesTheNewOnesMessagesPending() {
        Claimed held = claimedPullWake("gone");
        expireAndCreateAgain(held.path(), "[{\"n\":2}]");
        ack(held.id(), held.claim(), 1, held.path(), "0000000000000000_0000000000000001").statusCode(200)
                .body("next_wake", equalTo(true));
        await().atMost(Duration.ofSeconds(10)).until(() -> wakes(held.wakeStream()).size() == 2);
        given().delete(sub(held.id())).then().statusCode(204);
    }

    /** A pull-wake subscription over {@code <prefix>/events/*}, woken by one message on a path and claimed. */
    private record Claimed(String id, String wakeStream, String path, JsonPath claim) {
    }

    private static Claimed claimedPullWake(String name) {
        String prefix = id(name);
        String wakeStream = prefix + "/wake";
        String path = prefix + "/events/a";
        String id = id("pull");
        given().contentType("application/json").body("[]").put(ROOT + wakeStream).then().statusCode(201);
        given().contentType("application/json").body(Map.of("type", "pull-wake", "pattern", prefix + "/events/*",
                "wake_stream", wakeStream)).put(sub(id)).then().statusCode(201);
        given().contentType("application/json").body("[{\"n\":1}]").put(ROOT + path).then().statusCode(201);
        await().atMost(Duration.ofSeconds(10)).until(() -> wakes(wakeStream).size() == 1);
        return new Claimed(id, wakeStream, path, claim(id));
    }

    private static JsonPath claim(String id) {
        return given().contentType("application/json").body(Map.of("worker", "w1"))
                .post(sub(id) + "/claim").then().statusCode(200).extract().jsonPath();
    }

    /** Acks {@code offset} of {@code path} with done, for the wake of {@code claim}. */
    private static ValidatableResponse ack(String id, JsonPath claim, long generation, String path, String offset) {
        return given().header("Authorization", "Bearer " + claim.getString("token")).contentType("application/json")
                .body(Map.of("wake_id", claim.getString("wake_id"), "generation", generation, "done", true,
                        "acks", List.of(Map.of("stream", path, "offset", offset))))
                .post(sub(id) + "/ack").then();
    }

    /** The path's stream expires (its expiry is moved, not waited for) and the path is created again. */
    private void expireAndCreateAgain(String path, String body) {
        db.scalarLong("with gone as (update ds_streams set expires_at = now() - interval '1 second'"
                + " where path = $1 and deleted_at is null returning 1) select count(*) from gone", path);
        given().contentType("application/json").body(body).put(ROOT + path).then().statusCode(201);
    }

    /**
     * Two subscriptions whose patterns cover each other's wake streams: neither links a wake stream (the
     * one created first lets go of the other's when that one is created), so their wake events wake nobody.
     */
    @Test
    void patterns_neverLinkWakeStreams_soSubscriptionsCannotWakeEachOther() {
        String prefix = id("ww");
        for (String path : List.of(prefix + "/wa", prefix + "/wb")) {
            given().contentType("application/json").body("[]").put(ROOT + path).then().statusCode(201);
        }
        given().contentType("application/json").body("{\"n\":1}").put(ROOT + prefix + "/data").then().statusCode(201);
        String a = id("pull-a");
        String b = id("pull-b");
        given().contentType("application/json").body(Map.of("type", "pull-wake", "pattern", prefix + "/**",
                "wake_stream", prefix + "/wa")).put(sub(a)).then().statusCode(201);
        assertThat(linked(a)).as("before b exists, wb is a data path").containsExactly(prefix + "/data", prefix + "/wb");
        given().contentType("application/json").body(Map.of("type", "pull-wake", "pattern", prefix + "/**",
                "wake_stream", prefix + "/wb")).put(sub(b)).then().statusCode(201);
        assertThat(linked(b)).containsExactly(prefix + "/data");
        await().atMost(Duration.ofSeconds(10)).until(() -> linked(a).equals(List.of(prefix + "/data")));

        // a new message wakes each once; their wake events (on wa and wb) link and wake nobody (the changes
        // are matched again here, awaited, for the assertions not to race the replica's own matching)
        given().contentType("application/json").body("{\"n\":2}").post(ROOT + prefix + "/data").then().statusCode(204);
        await().atMost(Duration.ofSeconds(10)).until(() -> wakes(prefix + "/wa").size() == 1 && wakes(prefix + "/wb").size() == 1);
        String tenant = db.rows("select tenant from ds_subscriptions where subscription_id = $1", a).get(0).getString("tenant");
        for (String wakeStream : List.of(prefix + "/wa", prefix + "/wb")) {
            service.changed(new DsPathChange(tenant, wakeStream, 1, false)).await().atMost(Duration.ofSeconds(10));
        }
        assertThat(linked(a)).containsExactly(prefix + "/data");
        assertThat(linked(b)).containsExactly(prefix + "/data");
        assertThat(db.scalarLong("select sum(generation) from ds_subscriptions where subscription_id in ($1, $2)", a, b))
                .as("one wake each").isEqualTo(2);

        // a link to a wake stream whose unlink was lost (its replica stopped after b's commit) goes at the
        // next reconciliation
        db.scalarLong("with linked as (insert into ds_subscription_links (sub_key, tenant, path, explicit, glob, acked_offset)"
                + " select sub_key, tenant, $2, false, true, '-1' from ds_subscriptions where subscription_id = $1"
                + " returning 1) select count(*) from linked", a, prefix + "/wb");
        assertThat(linked(a)).containsExactly(prefix + "/data", prefix + "/wb");
        db.scalarLong("with due as (update ds_subscriptions set checked_at = now() - interval '1 day'"
                + " where subscription_id = $1 returning 1) select count(*) from due", a);
        // (the replica's own sweep may be the one that reconciles it)
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            service.sweep().await().atMost(Duration.ofSeconds(10));
            return linked(a).equals(List.of(prefix + "/data"));
        });
        given().delete(sub(a)).then().statusCode(204);
        given().delete(sub(b)).then().statusCode(204);
    }

    private static List<String> linked(String id) {
        return given().get(sub(id)).then().statusCode(200).extract().jsonPath().getList("streams.path");
    }

    private static List<Map<String, Object>> wakes(String wakeStream) {
        return given().get(ROOT + wakeStream).then().statusCode(200).extract().jsonPath().getList("$");
    }
}
