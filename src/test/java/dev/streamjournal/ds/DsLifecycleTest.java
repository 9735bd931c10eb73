package dev.streamjournal.ds;

import static dev.streamjournal.support.Api.id;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import dev.streamjournal.support.Db;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The lifecycle of DS streams where requests meet: expiry judged under the stream's lock, SSE responses
 * that announce a closure, keep idle connections open and end at a deletion, long-polls that see a
 * deletion, and forks of pruned sources.
 */
@QuarkusTest
class DsLifecycleTest {

    private static final String ROOT = "/ds/v1/stream/";
    private static final Duration WAIT = Duration.ofSeconds(10);

    @Inject
    Db db;

    @Inject
    DsHub hub;

    @Inject
    MeterRegistry metrics;

    @TestHTTPResource("/")
    URI base;

    /**
     * A create that finds a stream past its expiry while an append holds the stream (and slides its TTL)
     * waits for that append, then finds the stream alive: the acknowledged message is kept (200, not a new
     * empty incarnation).
     */
    @Test
    void aCreateAfterTheExpiry_waitsForTheAppendThatKeptTheStreamAlive() throws Exception {
        String path = id("ds-expiry") + "/s";
        given().contentType("text/plain").header("Stream-TTL", "1").body("kept").put(ROOT + path).then().statusCode(201);
        String session = db.rows("select session_id from ds_streams where path = $1", path).get(0).getString("session_id");
        Instant expiry = db.rows("select expires_at from ds_streams where path = $1", path).get(0)
                .getOffsetDateTime("expires_at").toInstant();
        SqlConnection appending = db.pool().getConnection().await().atMost(WAIT);
        try {
            appending.query("begin").execute().await().atMost(WAIT);
            appending.preparedQuery("update ds_streams set expires_at = now() + interval '1 hour' where session_id = $1")
                    .execute(Tuple.of(session)).await().atMost(WAIT);
            await().atMost(WAIT).until(() -> Instant.now().isAfter(expiry.plusMillis(100)));
            CompletableFuture<Integer> creating = CompletableFuture.supplyAsync(() -> given().contentType("text/plain")
                    .header("Stream-TTL", "1").put(ROOT + path).statusCode());
            await().atMost(WAIT).until(() -> db.scalarLong("select count(*) from pg_stat_activity"
                    + " where wait_event_type = 'Lock' and query like '%for update%' and query like '%ds_streams%'") >= 1);
            appending.query("commit").execute().await().atMost(WAIT);
            assertThat(creating.get(10, TimeUnit.SECONDS)).as("the stream was alive: the same one").isEqualTo(200);
        } finally {
            appending.close().await().atMost(WAIT);
        }
        given().get(ROOT + path + "?offset=-1").then().statusCode(200).body(equalTo("kept"));
    }

    /** A sliding TTL is never moved on once it passed: an expired stream does not come back. */
    @Test
    void aTouch_neverRevivesAnExpiredStream() {
        String path = id("ds-touch") + "/s";
        given().contentType("text/plain").header("Stream-TTL", "3600").put(ROOT + path).then().statusCode(201);
        String session = db.rows("select session_id from ds_streams where path = $1", path).get(0).getString("session_id");
        String stream = db.rows("select stream_id from ds_streams where path = $1", path).get(0).getString("stream_id");
        db.scalarLong("with expired as (update ds_streams set expires_at = now() - interval '1 second'"
                + " where session_id = $1 returning 1) select count(*) from expired", session);
        db.rows(DsRepository.TOUCH, session, stream, 3600L);
        assertThat(db.scalarLong("select count(*) from ds_streams where session_id = $1 and expires_at < now()", session))
                .isEqualTo(1);
        given().get(ROOT + path).then().statusCode(404);
    }

    /** A reader at the tail when the stream is closed without a body gets a last control event saying so. */
    @Test
    void sse_atTheTail_endsWithStreamClosed_whenTheStreamIsClosedWithoutABody() throws Exception {
        String path = id("ds-sse-close") + "/s";
        given().contentType("text/plain").body("one").put(ROOT + path).then().statusCode(201);
        Sse sse = Sse.open(base.resolve(ROOT + path + "?offset=-1&live=sse"));
        await().atMost(WAIT).until(() -> sse.lines.stream().anyMatch(line -> line.contains("upToDate")));
        given().header("Stream-Closed", "true").post(ROOT + path).then().statusCode(204);
        sse.ended.get(10, TimeUnit.SECONDS);
        List<String> controls = sse.lines.stream().filter(line -> line.startsWith("data:{\"streamNextOffset\"")).toList();
        assertThat(controls.get(controls.size() - 1)).contains("\"streamClosed\":true");
    }

    /** An idle SSE response gets comment lines (every second in tests), and ends when its stream is deleted. */
    @Test
    void sse_whileIdle_getsHeartbeats_andEndsWhenTheStreamIsDeleted() throws Exception {
        String path = id("ds-sse-idle") + "/s";
        given().contentType("text/plain").body("one").put(ROOT + path).then().statusCode(201);
        Sse sse = Sse.open(base.resolve(ROOT + path + "?offset=-1&live=sse"));
        await().atMost(WAIT).until(() -> sse.lines.stream().filter(":"::equals).count() >= 2);
        given().delete(ROOT + path).then().statusCode(204);
        sse.ended.get(10, TimeUnit.SECONDS);
    }

    /**
     * A reader that follows a stream through a thousand changes, one message each, gets every message once
     * and in order, and its response still ends at the closure: each delivery starts the next wait afresh
     * (a response that nested each one inside the one before ran out of heap after some thousands).
     */
    @Test
    void sse_throughAThousandChanges_getsEachMessageOnce_andEndsAtTheClosure() throws Exception {
        String path = id("ds-sse-many") + "/s";
        int messages = 1000;
        given().contentType("text/plain").put(ROOT + path).then().statusCode(201);
        Sse sse = Sse.open(base.resolve(ROOT + path + "?offset=-1&live=sse"));
        await().atMost(WAIT).until(() -> sse.lines.stream().anyMatch(line -> line.contains("upToDate")));
        for (int i = 0; i < messages; i++) {
            given().contentType("text/plain").body(i + ";").post(ROOT + path).then().statusCode(204);
        }
        given().header("Stream-Closed", "true").post(ROOT + path).then().statusCode(204);
        sse.ended.get(30, TimeUnit.SECONDS);
        String received = String.join("", sse.lines.stream()
                .filter(line -> line.startsWith("data:") && !line.startsWith("data:{")).map(line -> line.substring(5)).toList());
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < messages; i++) {
            expected.append(i).append(';');
        }
        assertThat(received).isEqualTo(expected.toString());
    }

    /**
     * A reader that reads nothing while a backlog waits is held back (nothing more is read for it while its
     * connection's write queue is full), and gets all of the backlog, once, when it reads again.
     */
    @Test
    void sse_ofASlowReader_isHeldBack_untilItReadsAgain() throws Exception {
        String path = id("ds-sse-slow") + "/s";
        int messages = 8;
        byte[] megabyte = "q".repeat(1 << 20).getBytes(StandardCharsets.US_ASCII);
        given().contentType("text/plain").put(ROOT + path).then().statusCode(201);
        for (int i = 0; i < messages; i++) {
            given().contentType("text/plain").body(megabyte).post(ROOT + path).then().statusCode(204);
        }
        double held = held();
        try (Socket socket = new Socket()) {
            socket.setReceiveBufferSize(8192);
            socket.connect(new InetSocketAddress(base.getHost(), base.getPort()));
            socket.getOutputStream().write(("GET " + ROOT + path + "?offset=-1&live=sse HTTP/1.1\r\nHost: localhost\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            await().atMost(WAIT).until(() -> held() > held);

            // reading again: every byte of the backlog comes, once, and the response is no longer held
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[65536];
            long received = 0;
            StringBuilder tail = new StringBuilder();
            boolean inBody = false;
            socket.setSoTimeout(10_000);
            while (!tail.toString().contains("\"upToDate\":true")) {
                int read = in.read(buffer);
                assertThat(read).as("the response goes on").isPositive();
                int start = 0;
                if (!inBody) {
                    // the head names headers with a q in them (Stream-Seq): only the body's are counted
                    String head = tail + new String(buffer, 0, read, StandardCharsets.US_ASCII);
                    int end = head.indexOf("\r\n\r\n");
                    inBody = end >= 0;
                    start = inBody ? Math.max(0, end + 4 - tail.length()) : read;
                }
                for (int i = start; i < read; i++) {
                    if (buffer[i] == 'q') {
                        received++;
                    }
                }
                tail.append(new String(buffer, 0, read, StandardCharsets.US_ASCII));
                tail.delete(0, Math.max(0, tail.length() - 256));
            }
            assertThat(received).isEqualTo((long) messages * megabyte.length);
            await().atMost(WAIT).until(() -> held() <= held);
        }
    }

    /**
     * A long-poll waiting at the tail of a stream that is deleted while a fork holds it answers 410 (the
     * stream is gone but kept for its fork), at once rather than at the long-poll timeout.
     */
    @Test
    void aLongPoll_onAStreamDeletedWhileAForkHoldsIt_answers410() throws Exception {
        String prefix = id("ds-lp-del");
        given().contentType("text/plain").body("one").put(ROOT + prefix + "/source").then().statusCode(201);
        given().header("Stream-Forked-From", prefix + "/source").put(ROOT + prefix + "/fork").then().statusCode(201);
        String source = streamOf(prefix + "/source");
        CompletableFuture<Integer> polling = CompletableFuture.supplyAsync(() -> given()
                .get(ROOT + prefix + "/source?offset=0000000000000000_0000000000000001&live=long-poll").statusCode());
        await().atMost(WAIT).until(() -> hub.readersOf(source) == 1);
        given().delete(ROOT + prefix + "/source").then().statusCode(204);
        assertThat(polling.get(10, TimeUnit.SECONDS)).isEqualTo(410);
        given().get(ROOT + prefix + "/fork?offset=-1").then().statusCode(200).body(equalTo("one"));
    }

    /** A long-poll whose client leaves lets go of its place on the stream's feed at once, not at its timeout. */
    @Test
    void aLongPoll_whoseClientLeaves_isReleasedAtOnce() throws Exception {
        String path = id("ds-lp-left") + "/s";
        given().contentType("text/plain").body("one").put(ROOT + path).then().statusCode(201);
        String stream = streamOf(path);
        try (Socket socket = new Socket(base.getHost(), base.getPort())) {
            socket.getOutputStream().write(("GET " + ROOT + path + "?offset=0000000000000000_0000000000000001&live=long-poll"
                    + " HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            await().atMost(WAIT).until(() -> hub.readersOf(stream) == 1);
        }
        // the long-poll timeout is 20 s: released well before it
        await().atMost(Duration.ofSeconds(5)).until(() -> hub.readersOf(stream) == 0);
    }

    /** A fork of a stream whose messages retention pruned is refused, and writes nothing. */
    @Test
    void aFork_ofAPrunedSource_isGone_andWritesNothing() {
        String prefix = id("ds-fork-pruned");
        given().contentType("text/plain").header("Stream-Closed", "true").body("one").put(ROOT + prefix + "/source")
                .then().statusCode(201);
        String session = db.rows("select session_id from ds_streams where path = $1", prefix + "/source").get(0)
                .getString("session_id");
        // what retention's payload pruning writes
        db.scalarLong("with emptied as (update journal_events set data = '{}'::jsonb, data_bytes = 2, body = null"
                + " where session_id = $1 returning 1) select count(*) from emptied", session);
        db.scalarLong("with pruned as (update streams set payloads_pruned_at = now() where session_id = $1 returning 1)"
                + " select count(*) from pruned", session);
        Map<String, Long> before = db.rowCounts();
        given().header("Stream-Forked-From", prefix + "/source").put(ROOT + prefix + "/fork").then().statusCode(410)
                .body("type", equalTo("https://stream-journal.dev/problems/fork-source-pruned"));
        assertThat(db.rowCounts()).isEqualTo(before);
    }

    /** SSE readers held back (the gauge is there once the first SSE response was served). */
    private double held() {
        var gauge = metrics.find("journal.ds.live.held").gauge();
        return gauge == null ? 0 : gauge.value();
    }

    /** The journal stream behind a DS path. */
    private String streamOf(String path) {
        return db.rows("select stream_id from ds_streams where path = $1", path).get(0).getString("stream_id");
    }

    /** An SSE response read line by line on a thread of its own. */
    private record Sse(List<String> lines, CompletableFuture<Void> ended) {
        static Sse open(URI uri) {
            List<String> lines = new CopyOnWriteArrayList<>();
            CompletableFuture<Void> ended = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
                    .sendAsync(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofLines())
                    .thenAcceptAsync(response -> {
                        try (Stream<String> body = response.body()) {
                            body.forEach(lines::add);
                        }
                    });
            return new Sse(lines, ended);
        }
    }
}
