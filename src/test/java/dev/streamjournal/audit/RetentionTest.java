package dev.streamjournal.audit;

import static dev.streamjournal.support.Api.append;
import static dev.streamjournal.support.Api.createStream;
import static dev.streamjournal.support.Api.event;
import static dev.streamjournal.support.Api.id;
import static dev.streamjournal.support.Api.token;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;

import dev.streamjournal.support.Db;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Payloads emptied and streams deleted by age in racing passes, each exactly once with its lifecycle
 * row; settlement {@code restored} survives payload pruning, {@code missing} after deletion; young and
 * live streams untouched; a pass never waits for a session that stream creation holds (it skips that
 * session's streams until the next pass), so the two cannot deadlock.
 */
@QuarkusTest
@TestProfile(RetentionTest.Ages.class)
class RetentionTest {

    /** Payloads go after 1 hour, streams after 2; the test runs the passes itself. */
    public static class Ages implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("journal.retention.payloads", "PT1H", "journal.retention.streams", "PT2H",
                    "journal.retention.interval", "1h");
        }
    }

    @Inject
    Db db;

    @Inject
    Retention retention;

    private String closedStream(String session, int minutesAgo) {
        String stream = id("st");
        createStream(session, stream);
        append(stream, List.of(token("secret " + stream), event("done", Map.of()), event("stream_end", Map.of())))
                .statusCode(200);
        db.rows("update streams set closed_at = now() - make_interval(mins => $2) where stream_id = $1", stream, minutesAgo);
        return stream;
    }

    private List<String> pruningFacts(String stream) {
        return db.rows("select state, principal from lifecycle_log where stream_id = $1 and kind = 'pruned' order by id",
                stream).stream().map(row -> row.getString(0) + " by " + row.getString(1)).toList();
    }

    @Test
    void oldPayloadsAreEmptied_andOlderStreamsDeleted_inRacingPasses_eachOnce() {
        String session = id("s");
        String recent = closedStream(session, 10);
        String aged = closedStream(session, 90);
        String ancient = closedStream(id("s"), 180);
        String live = id("live");
        createStream(id("s"), live);
        append(live, List.of(token("still going"))).statusCode(200);
        db.rows("update streams set created_at = now() - interval '5 hours' where stream_id = $1", live);
        long revisionBefore = db.scalarLong("select revision from sessions where session_id = $1", session);

        Uni.join().all(retention.prune(), retention.prune()).andCollectFailures().await().atMost(Duration.ofSeconds(60));

        // payloads emptied: the journal keeps its shape, status, transcript and settlement stay
        assertThat(db.rows("select data::text from journal_events where stream_id = $1 order by seq", aged))
                .extracting(row -> row.getString(0)).containsExactly("{}", "{}", "{}");
        given().get("/v1/streams/{id}/settlement", aged).then()
                .body("outcome", equalTo("restored"))
                .body("transcript.messages[1].content", equalTo("secret " + aged));
        given().get("/v1/streams/{id}", aged).then().statusCode(200).body("journal.lastSeq", equalTo(3));
        assertThat(db.scalarLong("select count(*) from transcript_messages where stream_id = $1", aged)).isEqualTo(2);
        assertThat(pruningFacts(aged)).containsExactly("payloads by system:retention");

        // streams deleted: settlement answers missing, the lifecycle log keeps the record
        given().get("/v1/streams/{id}", ancient).then().statusCode(404);
        given().get("/v1/streams/{id}/settlement", ancient).then().body("outcome", equalTo("missing"));
        assertThat(db.scalarLong("select count(*) from journal_events where stream_id = $1", ancient)).isZero();
        assertThat(db.scalarLong("select count(*) from transcript_messages where stream_id = $1", ancient)).isZero();
        assertThat(pruningFacts(ancient)).containsExactly("payloads by system:retention", "stream by system:retention");
        // its id stays taken, in any session: the stream-to-session mapping never changes
        assertThat(db.scalarLong("select count(*) from stream_sessions where stream_id = $1", ancient)).isEqualTo(1);
        createStreamExpecting(id("s"), ancient, 409);

        // what is young or live is untouched
        assertThat(db.rows("select data->>'text' from journal_events where stream_id = $1 and seq = 1", recent).get(0)
                .getString(0)).isEqualTo("secret " + recent);
        assertThat(pruningFacts(recent)).isEmpty();
        assertThat(pruningFacts(live)).isEmpty();
        assertThat(db.scalarLong("select count(*) from journal_events where stream_id = $1", live)).isEqualTo(1);
        assertThat(db.scalarLong("select revision from sessions where session_id = $1", session)).isEqualTo(revisionBefore);
    }

    /**
     * A Durable Streams fork deleted by retention lets go of its source: a source deleted while the fork held
     * it is then gone (404) and its path free again; while another transaction holds the source, the fork
     * waits for a later pass.
     */
    @Test
    void aDsForkDeletedByAge_letsGoOfItsDeletedSource() throws Exception {
        String ds = "/ds/v1/stream/" + id("ret-ds");
        given().contentType("text/plain").body("one").put(ds + "/source").then().statusCode(201);
        given().header("Stream-Forked-From", ds.substring("/ds/v1/stream/".length()) + "/source")
                .header("Stream-Closed", "true").put(ds + "/fork").then().statusCode(201);
        given().delete(ds + "/source").then().statusCode(204);
        given().get(ds + "/source").then().statusCode(410);
        String fork = db.rows("select stream_id from ds_streams where path = $1", ds.substring("/ds/v1/stream/".length())
                + "/fork").get(0).getString(0);
        db.rows("update streams set closed_at = now() - interval '3 hours' where stream_id = $1", fork);
        String sourceSession = db.rows("select session_id from ds_streams where path = $1",
                ds.substring("/ds/v1/stream/".length()) + "/source").get(0).getString(0);

        SqlConnection holder = db.pool().getConnection().await().atMost(Duration.ofSeconds(30));
        try {
            holder.query("begin").execute().await().atMost(Duration.ofSeconds(30));
            holder.preparedQuery("select 1 from ds_streams where session_id = $1 for update").execute(Tuple.of(sourceSession))
                    .await().atMost(Duration.ofSeconds(30));
            retention.prune().await().atMost(Duration.ofSeconds(10));
            assertThat(db.scalarLong("select count(*) from streams where stream_id = $1", fork)).as("skipped").isEqualTo(1);
            holder.query("rollback").execute().await().atMost(Duration.ofSeconds(30));
        } finally {
            holder.close().await().atMost(Duration.ofSeconds(30));
        }

        retention.prune().await().atMost(Duration.ofSeconds(60));
        assertThat(db.scalarLong("select count(*) from streams where stream_id = $1", fork)).isZero();
        given().get(ds + "/source").then().statusCode(404);
        given().get(ds + "/fork").then().statusCode(404);
        given().contentType("text/plain").body("again").put(ds + "/source").then().statusCode(201);
        given().get(ds + "/source?offset=-1").then().statusCode(200).body(equalTo("again"));
    }

    /**
     * A chain of deleted sources (a fork of a fork) goes link by link once its last fork is deleted by age:
     * each source held by no fork any more is deleted too, and its path is free again.
     */
    @Test
    void aChainOfDeletedDsSources_goesOnceItsLastForkIsDeletedByAge() {
        String prefix = id("ret-chain");
        String root = "/ds/v1/stream/";
        given().contentType("text/plain").body("one").put(root + prefix + "/s0").then().statusCode(201);
        given().header("Stream-Forked-From", prefix + "/s0").put(root + prefix + "/s1").then().statusCode(201);
        given().header("Stream-Forked-From", prefix + "/s1").header("Stream-Closed", "true").put(root + prefix + "/s2")
                .then().statusCode(201);
        given().delete(root + prefix + "/s0").then().statusCode(204);
        given().delete(root + prefix + "/s1").then().statusCode(204);
        given().get(root + prefix + "/s0").then().statusCode(410);
        db.rows("update streams set closed_at = now() - interval '3 hours' where stream_id ="
                + " (select stream_id from ds_streams where path = $1)", prefix + "/s2");

        await().atMost(Duration.ofSeconds(30)).until(() -> {
            retention.prune().await().atMost(Duration.ofSeconds(60));
            return db.scalarLong("select count(*) from ds_streams where path like $1", prefix + "/%") == 0;
        });
        for (String path : List.of("s0", "s1", "s2")) {
            given().get(root + prefix + "/" + path).then().statusCode(404);
        }
        given().contentType("text/plain").put(root + prefix + "/s0").then().statusCode(201);
    }

    @Test
    void restoredSettlement_survivesPayloadPruning() {
        String session = id("s");
        String stream = closedStream(session, 90);

        retention.prune().await().atMost(Duration.ofSeconds(60));

        given().get("/v1/streams/{id}/settlement", stream).then()
                .body("outcome", equalTo("restored"))
                .body("transcript.messages[1].content", equalTo("secret " + stream));
    }

    @Test
    void pruning_neverWaitsForASessionThatCreationHolds_soTheyCannotDeadlock() throws Exception {
        String session = id("s");
        String stream = closedStream(session, 180);
        // stream creation locks the session, then its newest stream (to supersede it)
        SqlConnection creation = db.pool().getConnection().await().atMost(Duration.ofSeconds(30));
        try {
            creation.query("begin").execute().await().atMost(Duration.ofSeconds(30));
            creation.preparedQuery("select 1 from sessions where session_id = $1 for update").execute(Tuple.of(session))
                    .await().atMost(Duration.ofSeconds(30));

            // meanwhile a pass skips that session's stream instead of locking the stream and waiting for the session
            retention.prune().await().atMost(Duration.ofSeconds(10));
            assertThat(db.scalarLong("select count(*) from streams where stream_id = $1", stream)).isEqualTo(1);
            creation.preparedQuery("select 1 from streams where stream_id = $1 for update").execute(Tuple.of(stream))
                    .await().atMost(Duration.ofSeconds(10));
            creation.query("rollback").execute().await().atMost(Duration.ofSeconds(30));
        } finally {
            creation.close().await().atMost(Duration.ofSeconds(30));
        }

        retention.prune().await().atMost(Duration.ofSeconds(60));
        assertThat(db.scalarLong("select count(*) from streams where stream_id = $1", stream)).isZero();
    }

    @Test
    void deletingAStream_bumpsItsSessionsRevision() {
        String session = id("s");
        String stream = closedStream(session, 180);
        long before = db.scalarLong("select revision from sessions where session_id = $1", session);

        retention.prune().await().atMost(Duration.ofSeconds(60));

        assertThat(db.scalarLong("select revision from sessions where session_id = $1", session)).isEqualTo(before + 1);
        given().get("/v1/sessions/{id}", session).then().statusCode(200).body("messages.size()", equalTo(0));
        assertThat(stream).isNotEmpty();
    }

    private static void createStreamExpecting(String session, String stream, int status) {
        given().contentType("application/json").body(Map.of("streamId", stream))
                .post("/v1/sessions/{s}/streams", session).then().statusCode(status)
                .body("type", endsWith("/stream-exists"));
    }
}
