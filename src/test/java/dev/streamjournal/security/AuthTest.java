package dev.streamjournal.security;

import static dev.streamjournal.support.Api.id;
import static dev.streamjournal.support.Tokens.TENANT_A;
import static dev.streamjournal.support.Tokens.TENANT_B;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamjournal.support.AuthOn;
import dev.streamjournal.support.Db;
import dev.streamjournal.support.SocketMessages;
import dev.streamjournal.support.SseClient;
import dev.streamjournal.support.Tokens;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Bearer tokens, roles and tenants, with authentication on. */
@QuarkusTest
@TestProfile(AuthOn.class)
class AuthTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    static final String PRODUCER_A = Tokens.bearer("producer-a", TENANT_A, Roles.PRODUCER);
    static final String READER_A = Tokens.bearer("reader-a", TENANT_A, Roles.READER);
    static final String AUDITOR_A = Tokens.bearer("auditor-a", TENANT_A, Roles.AUDITOR);
    static final String ADMIN_A = Tokens.bearer("admin-a", TENANT_A, Roles.ADMIN);
    static final String PRODUCER_B = Tokens.bearer("producer-b", TENANT_B, Roles.PRODUCER);
    static final String READER_B = Tokens.bearer("reader-b", TENANT_B, Roles.READER);
    static final String AUDITOR_B = Tokens.bearer("auditor-b", TENANT_B, Roles.AUDITOR);

    @Inject
    Db db;

    @TestHTTPResource("/")
    URI base;

    private static RequestSpecification as(String authorization) {
        return given().header("Authorization", authorization);
    }

    private record Started(String session, String stream) {
    }

    private static Started start(String producer) {
        Started started = new Started(id("s"), id("st"));
        as(producer).contentType(ContentType.JSON)
                .body(Map.of("streamId", started.stream(), "userMessage", Map.of("content", "hello")))
                .post("/v1/sessions/{s}/streams", started.session()).then().statusCode(201);
        return started;
    }

    private static void append(String producer, String stream, String body, int status) {
        as(producer).contentType(ContentType.JSON).body(body).post("/v1/streams/{id}/events", stream)
                .then().statusCode(status);
    }

    @Test
    void producerAppends_readerReads_andTheJournalRecordsTheTokenSubject() {
        Started started = start(PRODUCER_A);
        append(PRODUCER_A, started.stream(),
                "{\"events\":[{\"type\":\"token\",\"data\":{\"text\":\"hi\"}},{\"type\":\"done\"}]}", 200);

        as(READER_A).get("/v1/streams/{id}", started.stream()).then().statusCode(200)
                .body("journal.terminal", equalTo(true));
        as(READER_A).get("/v1/streams/{id}/settlement", started.stream()).then().statusCode(200)
                .body("outcome", equalTo("restored"));
        as(READER_A).get("/v1/sessions/{id}", started.session()).then().statusCode(200)
                .body("messages.size()", equalTo(2));
        assertThat(db.rows("select distinct principal, tenant from journal_events where stream_id = $1", started.stream()))
                .extracting(row -> row.getString(0) + "@" + row.getString(1)).containsExactly("producer-a@" + TENANT_A);
        assertThat(db.rows("select distinct principal from lifecycle_log where stream_id = $1", started.stream()))
                .extracting(row -> row.getString(0)).containsExactly("producer-a");
    }

    @Test
    void anotherTenantsIds_answer404_andSettlementMissing() throws Exception {
        Started a = start(PRODUCER_A);
        append(PRODUCER_A, a.stream(), "{\"events\":[{\"type\":\"token\",\"data\":{\"text\":\"secret\"}}]}", 200);
        Map<String, Long> before = db.rowCounts();

        for (String path : List.of("/v1/streams/" + a.stream(), "/v1/streams/" + a.stream() + "/events",
                "/v1/sessions/" + a.session(), "/v1/streams/" + a.stream() + "/ui-stream",
                "/v1/sessions/" + a.session() + "/ui-messages")) {
            as(READER_B).get(path).then().statusCode(404).contentType("application/problem+json")
                    .body("type", equalTo("https://stream-journal.dev/problems/not-found"));
        }
        for (String path : List.of("/v1/streams/" + a.stream(), "/v1/streams/" + a.stream() + "/events")) {
            as(PRODUCER_A).get(path).then().statusCode(200);
            as(PRODUCER_B).get(path).then().statusCode(404)
                    .body("type", equalTo("https://stream-journal.dev/problems/not-found"));
        }
        append(PRODUCER_B, a.stream(), "{\"events\":[{\"type\":\"token\"}]}", 404);
        as(PRODUCER_B).post("/v1/streams/{id}/heartbeat", a.stream()).then().statusCode(404);
        // another tenant's live session has nothing to resume for this one, as an unknown session
        as(READER_B).get("/v1/sessions/{id}/ui-stream", a.session()).then().statusCode(204);
        as(READER_B).post("/v1/streams/{id}/stop", a.stream()).then().statusCode(404)
                .body("type", equalTo("https://stream-journal.dev/problems/not-found"));
        as(PRODUCER_B).contentType(ContentType.JSON).body("{}").post("/v1/sessions/{s}/streams", a.session())
                .then().statusCode(404);
        as(READER_B).get("/v1/streams/{id}/settlement", a.stream()).then().statusCode(200)
                .body("outcome", equalTo("missing"));
        as(READER_B).get("/api/chat/stream/status?stream_id={id}", a.stream()).then().statusCode(200)
                .body("active", equalTo(false));
        for (String path : List.of("/v1/streams/" + a.stream() + "/events", "/v1/sessions/" + a.session() + "/events")) {
            as(READER_B).accept("text/event-stream").get(path).then().statusCode(404)
                    .body("type", equalTo("https://stream-journal.dev/problems/not-found"));
        }
        assertThat(as(AUDITOR_B).accept("application/x-ndjson").get("/v1/audit/events?streamId={id}", a.stream())
                .then().statusCode(200).extract().asString()).isEmpty();
        as(AUDITOR_B).get("/v1/audit/lifecycle?sessionId={id}", a.session()).then().statusCode(200)
                .body("entries.size()", equalTo(0));

        assertThat(db.rowCounts()).isEqualTo(before);
    }

    @Test
    void aStreamIdTakenInAnotherTenant_cannotBeTaken_andRevealsNothingOfIt() {
        Started a = start(PRODUCER_A);
        Map<String, Long> before = db.rowCounts();
        as(PRODUCER_B).contentType(ContentType.JSON).body(Map.of("streamId", a.stream()))
                .post("/v1/sessions/{s}/streams", id("s")).then().statusCode(409)
                .body("type", equalTo("https://stream-journal.dev/problems/stream-exists"))
                .body("detail", org.hamcrest.Matchers.not(org.hamcrest.Matchers.containsString(a.session())));
        assertThat(db.rowCounts()).isEqualTo(before);
    }

    @Test
    void wrongRoles_are403_andWriteNothing() {
        Started a = start(PRODUCER_A);
        Map<String, Long> before = db.rowCounts();

        append(READER_A, a.stream(), "{\"events\":[{\"type\":\"token\"}]}", 403);
        append(AUDITOR_A, a.stream(), "{\"events\":[{\"type\":\"token\"}]}", 403);
        as(READER_A).contentType(ContentType.JSON).body("{}").post("/v1/sessions/{s}/streams", id("s"))
                .then().statusCode(403).contentType("application/problem+json")
                .body("type", equalTo("https://stream-journal.dev/problems/forbidden"));
        as(READER_A).post("/v1/streams/{id}/heartbeat", a.stream()).then().statusCode(403);
        as(PRODUCER_A).get("/v1/audit/events").then().statusCode(403);
        as(READER_A).get("/v1/audit/lifecycle").then().statusCode(403);
        as(AUDITOR_A).get("/v1/streams/{id}", a.stream()).then().statusCode(403);
        as(AUDITOR_A).accept("text/event-stream").get("/v1/streams/{id}/events", a.stream()).then().statusCode(403);
        as(AUDITOR_A).get("/v1/streams/{id}/ui-stream", a.stream()).then().statusCode(403);
        as(AUDITOR_A).get("/v1/sessions/{id}/ui-messages", a.session()).then().statusCode(403);
        as(AUDITOR_A).post("/v1/streams/{id}/stop", a.stream()).then().statusCode(403);
        as(Tokens.bearer("nobody", TENANT_A)).get("/v1/streams/{id}", a.stream()).then().statusCode(403);

        assertThat(db.rowCounts()).isEqualTo(before);
    }

    @Test
    void missingAndBadTokens_are401WithABearerChallenge() {
        Started a = start(PRODUCER_A);
        Map<String, Long> before = db.rowCounts();
        List<String> refused = List.of("", "Bearer ", "Bearer not-a-jwt", "Basic dXNlcjpwYXNz",
                "Bearer " + Tokens.expired(TENANT_A, Roles.ADMIN), "Bearer " + Tokens.forged(TENANT_A, Roles.ADMIN),
                "Bearer " + Tokens.unsigned(TENANT_A), "Bearer " + Tokens.tampered(TENANT_A, Roles.ADMIN),
                "Bearer " + Tokens.otherIssuer(TENANT_A, Roles.ADMIN), "Bearer " + Tokens.withoutTenant(Roles.ADMIN),
                "Bearer " + Tokens.withTenant(42, Roles.ADMIN), "Bearer " + Tokens.withTenant("a b", Roles.ADMIN));
        for (String authorization : refused) {
            RequestSpecification request = authorization.isEmpty() ? given() : as(authorization);
            request.contentType(ContentType.JSON).body("{\"events\":[{\"type\":\"token\"}]}")
                    .post("/v1/streams/{id}/events", a.stream()).then()
                    .statusCode(401).contentType("application/problem+json")
                    .header("WWW-Authenticate", org.hamcrest.Matchers.startsWith("Bearer"))
                    .body("type", equalTo("https://stream-journal.dev/problems/unauthorized"));
        }
        given().get("/v1/streams/{id}", a.stream()).then().statusCode(401);
        given().get("/v1/audit/events").then().statusCode(401);
        given().accept("text/event-stream").get("/v1/sessions/{id}/events", a.session()).then().statusCode(401)
                .body("type", equalTo("https://stream-journal.dev/problems/unauthorized"));
        given().get("/q/health/ready").then().statusCode(200);

        assertThat(db.rowCounts()).isEqualTo(before);
    }

    @Test
    void auditor_exportsTheSessionsWholeHistory_asNdjson() throws Exception {
        Started a = start(PRODUCER_A);
        append(PRODUCER_A, a.stream(), "{\"events\":[{\"type\":\"token\",\"data\":{\"text\":\"one\"}},"
                + "{\"type\":\"token\",\"data\":{\"text\":\"two\"}},{\"type\":\"done\"},{\"type\":\"stream_end\"}]}", 200);

        String body = as(AUDITOR_A).accept("application/x-ndjson").get("/v1/audit/events?sessionId={id}", a.session())
                .then().statusCode(200).extract().asString();
        List<JsonNode> lines = body.lines().map(AuthTest::json).toList();
        assertThat(lines).extracting(line -> line.path("type").asText())
                .containsExactly("token", "token", "done", "stream_end");
        assertThat(lines).extracting(line -> line.path("principal").asText()).containsOnly("producer-a");
        as(AUDITOR_A).get("/v1/audit/lifecycle?streamId={id}", a.stream()).then().statusCode(200)
                .body("entries.kind", org.hamcrest.Matchers.hasItems("created", "terminal", "closed"))
                .body("entries.principal", org.hamcrest.Matchers.everyItem(equalTo("producer-a")));
    }

    @Test
    void admin_mayProduceReadAndAudit_inItsOwnTenantOnly() {
        Started a = start(ADMIN_A);
        append(ADMIN_A, a.stream(), "{\"events\":[{\"type\":\"done\"}]}", 200);
        as(ADMIN_A).get("/v1/streams/{id}", a.stream()).then().statusCode(200);
        as(ADMIN_A).get("/v1/audit/events?streamId={id}", a.stream()).then().statusCode(200)
                .body("events.size()", equalTo(1));
        as(Tokens.bearer("admin-b", TENANT_B, Roles.ADMIN)).get("/v1/streams/{id}", a.stream()).then().statusCode(404);
    }

    @Test
    void tokensIssuedByTheScript_areAccepted() throws Exception {
        Process process = new ProcessBuilder("bash", "scripts/token", "sign", "--key", "src/test/resources/auth/private-key.pem",
                "--sub", "script-user", "--tenant", TENANT_A, "--groups", "producer,reader", "--iss", Tokens.ISSUER)
                .redirectErrorStream(true).start();
        String token = new String(process.getInputStream().readAllBytes()).trim();
        assertThat(process.waitFor()).as(token).isZero();

        Started a = start("Bearer " + token);
        as("Bearer " + token).get("/v1/streams/{id}", a.stream()).then().statusCode(200);
        assertThat(db.rows("select created_by from streams where stream_id = $1", a.stream()))
                .extracting(row -> row.getString(0)).containsExactly("script-user");
    }

    @Test
    void sse_followsWithAReaderToken() {
        Started a = start(PRODUCER_A);
        try (SseClient tail = SseClient.open(base.resolve("/v1/streams/" + a.stream() + "/events"), null, READER_A)) {
            tail.awaitConnected();
            assertThat(tail.status()).isEqualTo(200);
            append(PRODUCER_A, a.stream(), "{\"events\":[{\"type\":\"token\",\"data\":{\"text\":\"live\"}}]}", 200);
            tail.await(frame -> "token".equals(frame.event()), TIMEOUT);
        }
    }

    @Test
    void webSocket_needsAReaderToken_andSeesOnlyItsTenant() throws Exception {
        Started a = start(PRODUCER_A);
        URI live = URI.create("ws://" + base.getHost() + ":" + base.getPort() + "/v1/sessions/" + a.session() + "/live");

        assertThat(handshakeStatus(live, null)).isEqualTo(401);
        assertThat(handshakeStatus(live, "Bearer " + Tokens.forged(TENANT_A, Roles.READER))).isEqualTo(401);
        assertThat(handshakeStatus(live, PRODUCER_A)).isEqualTo(403);

        List<JsonNode> other = new CopyOnWriteArrayList<>();
        CompletableFuture<Integer> otherClosed = new CompletableFuture<>();
        connect(live, READER_B, other, otherClosed);
        assertThat(otherClosed.get(30, TimeUnit.SECONDS)).isEqualTo(4404);

        List<JsonNode> messages = new CopyOnWriteArrayList<>();
        WebSocket socket = connect(live, READER_A, messages, new CompletableFuture<>());
        try {
            await().atMost(TIMEOUT).until(() -> messages.stream()
                    .anyMatch(m -> m.path("event").asText().equals("stream_started")));
        } finally {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "done");
        }
    }

    @Test
    void liveConnections_endWhenTheirTokenExpires_andResumeWithAFreshToken() throws Exception {
        Started a = start(PRODUCER_A);
        append(PRODUCER_A, a.stream(), "{\"events\":[{\"type\":\"token\",\"data\":{\"text\":\"one\"}}]}", 200);
        // long enough for both connections to open on a loaded machine (exp is kept to the whole second)
        Instant expiry = Instant.now().plusSeconds(8);
        String shortLived = "Bearer " + Tokens.expiringAt(expiry, "reader-a", TENANT_A, Roles.READER);
        URI live = URI.create("ws://" + base.getHost() + ":" + base.getPort() + "/v1/sessions/" + a.session() + "/live");
        List<JsonNode> messages = new CopyOnWriteArrayList<>();
        CompletableFuture<Integer> closed = new CompletableFuture<>();
        connect(live, shortLived, messages, closed);
        String lastEventId;
        try (SseClient tail = SseClient.open(base.resolve("/v1/streams/" + a.stream() + "/events"), null, shortLived)) {
            lastEventId = tail.await(frame -> "token".equals(frame.event()), TIMEOUT).id();

            tail.awaitEnd(TIMEOUT);
            assertThat(Instant.now()).as("open until the token expired, and ended then (not at a keep-alive)")
                    .isAfterOrEqualTo(expiry.truncatedTo(ChronoUnit.SECONDS)).isBefore(expiry.plusSeconds(5));
            SseClient.Frame last = tail.frames().get(tail.frames().size() - 1);
            assertThat(last.comment()).isEqualTo("token expired: reconnect with a fresh token");
            assertThat(last.retry()).isNotNull();
            assertThat(closed.get(30, TimeUnit.SECONDS)).as("WebSocket close code").isEqualTo(4401);
            assertThat(messages).anyMatch(m -> m.path("event").asText().equals("stream_started"));
        }
        append(PRODUCER_A, a.stream(), "{\"events\":[{\"type\":\"token\",\"data\":{\"text\":\"two\"}}]}", 200);
        try (SseClient resumed = SseClient.open(base.resolve("/v1/streams/" + a.stream() + "/events"), lastEventId,
                READER_A)) {
            resumed.await(frame -> "token".equals(frame.event()), TIMEOUT);
            assertThat(resumed.journalFrames()).extracting(SseClient.Frame::id).containsExactly("2");
            assertThat(resumed.hasEnded()).as("a fresh token's tail goes on").isFalse();
        }
    }

    @Test
    void aTokenJustPastItsExpiry_isRefusedAtOpen_ratherThanEndedAtOnceInALoop() throws Exception {
        Started a = start(PRODUCER_A);
        // within the verifier's clock skew the token still passes verification; a live channel refuses it
        String expired = "Bearer " + Tokens.expiringAt(Instant.now().minusSeconds(5), "reader-a", TENANT_A, Roles.READER);
        as(expired).get("/v1/streams/{id}", a.stream()).then().statusCode(200);
        as(expired).accept("text/event-stream").get("/v1/streams/{id}/events", a.stream()).then()
                .statusCode(401).body("type", endsWith("/unauthorized"))
                .body("detail", equalTo("the bearer token has expired: reconnect with a fresh one"));
        as(expired).accept("text/event-stream").get("/v1/sessions/{id}/events", a.session()).then().statusCode(401);
        URI live = URI.create("ws://" + base.getHost() + ":" + base.getPort() + "/v1/sessions/" + a.session() + "/live");
        CompletableFuture<Integer> closed = new CompletableFuture<>();
        connect(live, expired, new CopyOnWriteArrayList<>(), closed);
        assertThat(closed.get(30, TimeUnit.SECONDS)).isEqualTo(4401);
    }

    @Test
    void webSocket_takesTheTokenAsASubprotocol_asBrowsersMustSendIt() throws Exception {
        Started a = start(PRODUCER_A);
        URI live = URI.create("ws://" + base.getHost() + ":" + base.getPort() + "/v1/sessions/" + a.session() + "/live");
        List<JsonNode> messages = new CopyOnWriteArrayList<>();
        WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
                .subprotocols("stream-journal.v1", "quarkus-http-upgrade#Authorization#"
                        + READER_A.replace(" ", "%20"))
                .buildAsync(live, new SocketMessages(messages, new CompletableFuture<>())).get();
        try {
            assertThat(socket.getSubprotocol()).isEqualTo("stream-journal.v1");
            await().atMost(TIMEOUT).until(() -> messages.stream()
                    .anyMatch(m -> m.path("event").asText().equals("stream_started")));
        } finally {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "done");
        }
    }

    /** The HTTP status with which the upgrade was refused. */
    private static int handshakeStatus(URI uri, String authorization) {
        Throwable failure = catchThrowable(() -> connect(uri, authorization, new CopyOnWriteArrayList<>(),
                new CompletableFuture<>()));
        assertThat(failure).hasCauseInstanceOf(WebSocketHandshakeException.class);
        return ((WebSocketHandshakeException) failure.getCause()).getResponse().statusCode();
    }

    private static WebSocket connect(URI uri, String authorization, List<JsonNode> messages,
            CompletableFuture<Integer> closed) throws InterruptedException, ExecutionException {
        WebSocket.Builder builder = HttpClient.newHttpClient().newWebSocketBuilder();
        if (authorization != null) {
            builder.header("Authorization", authorization);
        }
        return builder.buildAsync(uri, new SocketMessages(messages, closed)).get();
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
