package dev.streamjournal.drills;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamjournal.security.Roles;
import dev.streamjournal.support.Db;
import dev.streamjournal.support.Gen;
import dev.streamjournal.support.PostgresResource;
import dev.streamjournal.support.Replica;
import dev.streamjournal.support.Tokens;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Generated hostile input (seeded {@link Gen} generators) on every endpoint of the packaged service over a real PostgreSQL:
 * random JSON shapes, unicode (NUL, lone surrogates, right-to-left marks, emoji), huge and tiny
 * numbers, deep nesting, broken bodies, and random mixes of headers, tokens, ids and query parameters.
 * Every answer is a 2xx or a 4xx problem document with a documented slug, never a 5xx; a 4xx, and any
 * read, writes nothing (the row counts of every table are unchanged). The tally of cases by endpoint
 * and status is written to {@code target/hostile-input.txt}.
 *
 * <p>Every run draws a new seed and prints it; {@code -Dhostile.seed=N} replays run N exactly (each
 * property's cases depend on the seed and the property's name only).
 */
class HostileInputIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** HTTP/1.1, as browsers speak it over plain http (and so that one refused request never ends a shared connection). */
    private static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE");
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final String TENANT = "hostile";
    private static final String PRODUCER = Tokens.bearer("producer", TENANT, Roles.PRODUCER);
    private static final String READER = Tokens.bearer("reader", TENANT, Roles.READER);
    private static final String AUDITOR = Tokens.bearer("auditor", TENANT, Roles.AUDITOR);
    private static final String ADMIN = Tokens.bearer("admin", TENANT, Roles.ADMIN);
    /** The slugs of the contract and the README; a 4xx must name one of them. */
    private static final Set<String> SLUGS = Set.of("invalid-request", "malformed-json", "invalid-id", "invalid-event",
            "payload-too-large", "not-found", "seq-conflict", "seq-gap", "stream-terminal", "stream-closed",
            "session-busy", "stream-exists", "unsupported-media-type", "method-not-allowed", "not-acceptable",
            "unauthorized", "forbidden");

    /** The run's seed: {@code -Dhostile.seed}, else a new one. */
    private static final long SEED = Long.getLong("hostile.seed", new SecureRandom().nextLong());
    private static final String ALPHANUMERIC = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    private static final PostgresResource POSTGRES = new PostgresResource();
    private static Replica service;
    private static Connection database;
    private static String liveStream;
    private static String closedStream;
    private static String session;
    private static final Map<String, AtomicLong> tally = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        System.out.println("HostileInputIT seed " + SEED + " (replay with -Dhostile.seed=" + SEED + ")");
        Map<String, String> datasource = POSTGRES.start();
        Map<String, String> env = Replica.environment(datasource);
        // nothing writes behind the checks' back: no reaper, sweep or retention pass during the run
        env.put("JOURNAL_LEASE_REAPER_INTERVAL", "1h");
        service = Replica.start("hostile", env);
        service.awaitReady();
        database = DriverManager.getConnection(datasource.get("quarkus.datasource.jdbc.url"),
                datasource.get("quarkus.datasource.username"), "");
        session = "hostile-" + UUID.randomUUID();
        liveStream = newStream(session);
        closedStream = newStream("hostile-" + UUID.randomUUID());
        Response closing = send("POST", "/v1/streams/" + closedStream + "/events", PRODUCER, "application/json", null,
                null, "{\"events\":[{\"type\":\"token\",\"data\":{\"text\":\"hi\"}},{\"type\":\"done\"},{\"type\":\"stream_end\"}]}"
                        .getBytes(StandardCharsets.UTF_8));
        assertThat(closing.status()).isEqualTo(200);
    }

    @AfterAll
    static void stop() throws Exception {
        StringBuilder report = new StringBuilder("generated cases by endpoint and status, seed " + SEED + "\n");
        new TreeMap<>(tally).forEach((key, count) -> report.append(key).append(": ").append(count).append('\n'));
        report.append("total: ").append(tally.values().stream().mapToLong(AtomicLong::get).sum()).append('\n');
        Files.writeString(Path.of("target", "hostile-input.txt"), report);
        if (database != null) {
            database.close();
        }
        if (service != null) {
            service.close();
        }
        POSTGRES.stop();
    }

    // ---- properties --------------------------------------------------------------------------------

    @Test
    void createStream() throws Exception {
        Gen<String> ids = ids();
        Gen<byte[]> bodies = createBodies();
        Gen<String> contentTypes = contentTypes();
        Gen<String> tokens = tokens(PRODUCER);
        property("createStream", 400, random -> check("create", "POST",
                "/v1/sessions/" + segment(ids.next(random)) + "/streams", tokens.next(random), contentTypes.next(random),
                null, null, bodies.next(random)));
    }

    @Test
    void append() throws Exception {
        Gen<String> targets = appendTargets();
        Gen<byte[]> bodies = appendBodies();
        Gen<String> contentTypes = contentTypes();
        Gen<String> tokens = tokens(PRODUCER);
        property("append", 600, random -> {
            String target = targets.next(random);
            String streamId = "fresh".equals(target) ? newStream("hostile-" + UUID.randomUUID()) : target;
            check("append", "POST", "/v1/streams/" + segment(streamId) + "/events", tokens.next(random),
                    contentTypes.next(random), null, null, bodies.next(random));
        });
    }

    @Test
    void heartbeat() throws Exception {
        Gen<String> streamIds = streamIds();
        Gen<String> tokens = tokens(PRODUCER);
        Gen<byte[]> bodies = anyBodies();
        property("heartbeat", 150, random -> check("heartbeat", "POST",
                "/v1/streams/" + segment(streamIds.next(random)) + "/heartbeat", tokens.next(random), "application/json",
                null, null, bodies.next(random)));
    }

    @Test
    void read() throws Exception {
        Gen<String> paths = readPaths();
        Gen<String> tokens = tokens(READER);
        Gen<String> accepts = accepts();
        Gen<String> lastEventIds = lastEventIds();
        property("read", 600, random -> {
            String path = paths.next(random);
            check("read " + template(path), "GET", path, tokens.next(random), null, accepts.next(random),
                    lastEventIds.next(random), null);
        });
    }

    @Test
    void audit() throws Exception {
        Gen<String> paths = auditPaths();
        Gen<String> tokens = tokens(AUDITOR);
        Gen<String> accepts = accepts();
        property("audit", 300, random -> {
            String path = paths.next(random);
            check("audit " + template(path), "GET", path, tokens.next(random), null, accepts.next(random), null, null);
        });
    }

    @Test
    void otherMethods() throws Exception {
        Gen<String> methods = Gen.of("PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE");
        Gen<String> paths = anyPaths();
        Gen<String> tokens = tokens(PRODUCER);
        Gen<byte[]> bodies = anyBodies();
        property("otherMethods", 100, random -> {
            String method = methods.next(random);
            String path = paths.next(random);
            check(method + " " + template(path), method, path, tokens.next(random), "application/json", null, null,
                    bodies.next(random));
        });
    }

    /** One case of a property: a request drawn from {@code random}, sent and checked. */
    private interface Case {
        void run(Random random) throws Exception;
    }

    /**
     * Runs {@code tries} cases of a property. Its random numbers come from the run's seed and the
     * property's name alone, so a property replays exactly whatever runs before it; a failure names
     * the case and the seed.
     */
    private static void property(String name, int tries, Case check) throws Exception {
        Random random = new Random(SEED ^ name.hashCode());
        for (int i = 1; i <= tries; i++) {
            try {
                check.run(random);
            } catch (Exception | AssertionError e) {
                throw new AssertionError(name + ": case " + i + " of " + tries + " failed (seed " + SEED
                        + ", replay with -Dhostile.seed=" + SEED + "): " + e.getMessage(), e);
            }
        }
    }

    // ---- the check ---------------------------------------------------------------------------------

    private static void check(String endpoint, String method, String path, String authorization, String contentType,
            String accept, String lastEventId, byte[] body) throws Exception {
        Map<String, Long> before = Db.rowCounts(database);
        String sent = method + " " + path + " (content type " + contentType + ", accept " + accept + ", last event id "
                + lastEventId + ", " + (body == null ? 0 : body.length) + " bytes: " + preview(body) + ")";
        Response response;
        try {
            response = send(method, path, authorization, contentType, accept, lastEventId, body);
        } catch (IOException e) {
            throw new AssertionError("no answer to " + sent + ": " + e, e);
        }
        tally.computeIfAbsent(endpoint + " " + response.status(), key -> new AtomicLong()).incrementAndGet();
        String request = sent + " -> " + response.status() + " " + response.body();
        assertThat(response.status()).as("never a 5xx: %s", request).isLessThan(500);
        // the HTTP codec refuses an over-long request line (414) or header block (431) before any route runs:
        // those answers are bare, as the README says (Quarkus offers no hook for them)
        boolean refusedByCodec = response.status() == 414 || response.status() == 431;
        if (response.status() >= 400 && !"HEAD".equals(method) && !refusedByCodec) {
            assertThat(response.contentType()).as("problem document: %s", request).startsWith("application/problem+json");
            JsonNode problem = JSON.readTree(response.body());
            String type = problem.path("type").asText();
            assertThat(type).as("problem type: %s", request).startsWith("https://stream-journal.dev/problems/");
            assertThat(SLUGS).as("documented slug: %s", request).contains(type.substring(type.lastIndexOf('/') + 1));
            assertThat(problem.path("status").asInt()).as("status in the document: %s", request).isEqualTo(response.status());
        }
        if (response.status() >= 400 || "GET".equals(method)) {
            assertThat(Db.rowCounts(database)).as("nothing written: %s", request).isEqualTo(before);
        }
    }

    /** The endpoint a path names: its query and its id segment left out. */
    private static String template(String path) {
        String[] parts = path.replaceFirst("\\?.*", "").split("/", -1);
        if (parts.length > 3 && ("streams".equals(parts[2]) || "sessions".equals(parts[2]))) {
            parts[3] = "{id}";
        }
        return String.join("/", parts);
    }

    private record Response(int status, String contentType, String body) {
    }

    private static Response send(String method, String path, String authorization, String contentType, String accept,
            String lastEventId, byte[] body) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + service.port + path))
                .timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        if (accept != null) {
            request.header("Accept", accept);
        }
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        HttpResponse<InputStream> response;
        try {
            response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            // a kept-alive connection the server closed between two requests fails the next one before any
            // byte comes back; an HTTP client retries an idempotent request then (RFC 9112, 9.3.1), once
            if (!IDEMPOTENT.contains(method) || !String.valueOf(e.getMessage()).contains("received no bytes")) {
                throw e;
            }
            tally.computeIfAbsent("retried after a closed keep-alive connection", key -> new AtomicLong()).incrementAndGet();
            response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        }
        String type = response.headers().firstValue("Content-Type").orElse("");
        try (InputStream in = response.body()) {
            // a live tail that was accepted goes on for as long as the stream lives: its headers are the answer
            String text = response.statusCode() == 200 && type.startsWith("text/event-stream") ? ""
                    : new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return new Response(response.statusCode(), type, text);
        }
    }

    private static String newStream(String sessionId) throws IOException, InterruptedException {
        String streamId = "hostile-" + UUID.randomUUID();
        Response created = send("POST", "/v1/sessions/" + sessionId + "/streams", PRODUCER, "application/json", null,
                null, ("{\"streamId\":\"" + streamId + "\"}").getBytes(StandardCharsets.UTF_8));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return streamId;
    }

    /** A path segment as a client would encode it: everything but unreserved characters percent-encoded. */
    private static String segment(String raw) {
        StringBuilder encoded = new StringBuilder();
        for (byte b : raw.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (Character.isLetterOrDigit(c) && c < 128 || "-._~:".indexOf(c) >= 0) {
                encoded.append(c);
            } else {
                encoded.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return encoded.toString();
    }

    private static String preview(byte[] body) {
        if (body == null) {
            return "";
        }
        String text = new String(body, StandardCharsets.UTF_8);
        return text.length() > 300 ? text.substring(0, 300) + "..." : text;
    }

    // ---- generators --------------------------------------------------------------------------------

    private Gen<String> ids() {
        return Gen.frequency(
                Gen.weight(6, Gen.strings("abcXYZ019._:-", 1, 40)
                        .map(id -> "hostile-" + id)),
                Gen.weight(2, hostileStrings().filter(s -> !s.isEmpty() && !s.equals(".") && !s.equals(".."))),
                Gen.weight(1, Gen.strings("ab", 129, 129)),
                Gen.weight(1, Gen.of(" ", "a b", "ä", "x/y", "%00", "\u0000", "\uD800", "😀", "\u202Eabc")));
    }

    Gen<String> streamIds() {
        return Gen.frequency(
                Gen.weight(2, Gen.just(liveStream)),
                Gen.weight(2, Gen.just(closedStream)),
                Gen.weight(3, ids()));
    }

    Gen<String> appendTargets() {
        return Gen.frequency(
                Gen.weight(5, Gen.just("fresh")),
                Gen.weight(3, streamIds()));
    }

    Gen<String> contentTypes() {
        return Gen.frequency(
                Gen.weight(8, Gen.just("application/json")),
                Gen.weight(3, Gen.of("application/json; charset=utf-8", "text/plain", "application/xml",
                        "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=latin1",
                        "*/*", "garbage", "application/problem+json", "application/ndjson")));
    }

    Gen<String> accepts() {
        return Gen.of("application/json", "text/event-stream", "*/*", "text/html", "application/x-ndjson",
                "application/xml", "garbage/x", "text/event-stream;q=0.1, application/json", "application/problem+json")
                .orNull(0.2);
    }

    Gen<String> lastEventIds() {
        return Gen.oneOf(Gen.of("", "0", "1", "2", "3", "-1", "99999999999", "abc", "1.5", " 1"),
                Gen.strings("0123456789:abc-", 0, 30),
                Gen.of(liveStream + ":1", closedStream + ":2", "nope:1", liveStream + ":x")).orNull(0.4);
    }

    Gen<String> producerTokens() {
        return tokens(PRODUCER);
    }

    Gen<String> readerTokens() {
        return tokens(READER);
    }

    Gen<String> auditorTokens() {
        return tokens(AUDITOR);
    }

    private static Gen<String> tokens(String good) {
        return Gen.frequency(
                Gen.weight(10, Gen.just(good)),
                Gen.weight(2, Gen.just(ADMIN)),
                Gen.weight(1, Gen.just("").orNull(0.5)),
                Gen.weight(3, Gen.of("Bearer", "Bearer ", "bearer x", "Basic YTpi", "Bearer a.b.c",
                        "Bearer " + Tokens.expired(TENANT, Roles.ADMIN), "Bearer " + Tokens.forged(TENANT, Roles.ADMIN),
                        "Bearer " + Tokens.unsigned(TENANT), "Bearer " + Tokens.withoutTenant(Roles.ADMIN),
                        "Bearer " + Tokens.withTenant(42, Roles.ADMIN), "Bearer " + Tokens.otherIssuer(TENANT, Roles.ADMIN),
                        Tokens.bearer("other", "other-tenant", Roles.ADMIN), Tokens.bearer("nobody", TENANT),
                        "Bearer " + "x".repeat(9000))),
                Gen.weight(1, Gen.strings(' ', '~', 0, 200)));
    }

    Gen<String> anyPaths() {
        return Gen.oneOf(readPaths(), auditPaths(),
                Gen.of("/v1/sessions/x/streams", "/v1/streams/x/events", "/v1/streams/x/heartbeat"));
    }

    Gen<String> readPaths() {
        Gen<String> stream = streamIds().map(HostileInputIT::segment);
        Gen<String> sessionId = Gen.oneOf(Gen.just(session), ids()).map(HostileInputIT::segment);
        Gen<String> eventsQuery = query(List.of("after", "limit"));
        Gen<String> sessionQuery = query(List.of("after"));
        Gen<String> statusQuery = query(List.of("stream_id"));
        return Gen.oneOf(
                stream.map(id -> "/v1/streams/" + id),
                random -> "/v1/streams/" + stream.next(random) + "/events" + eventsQuery.next(random),
                random -> "/v1/streams/" + stream.next(random) + "/settlement" + waitQuery().next(random),
                sessionId.map(id -> "/v1/sessions/" + id),
                random -> "/v1/sessions/" + sessionId.next(random) + "/events" + sessionQuery.next(random),
                query(List.of("state", "sessionId", "limit", "after")).map(q -> "/v1/streams" + q),
                random -> "/api/chat/stream/status?stream_id=" + stream.next(random)
                        + statusQuery.next(random).replaceFirst("^\\?", "&"));
    }

    Gen<String> auditPaths() {
        Gen<String> path = Gen.of("/v1/audit/events", "/v1/audit/lifecycle");
        Gen<String> query = query(List.of("sessionId", "streamId", "type", "from", "to", "after", "limit"));
        return random -> path.next(random) + query.next(random);
    }

    /** A random mix of the endpoint's parameters (and unknown ones) with random values. */
    private static Gen<String> query(List<String> keys) {
        Gen<String> key = Gen.frequency(
                Gen.weight(6, Gen.of(keys.toArray(String[]::new))),
                Gen.weight(1, Gen.of("x", "", "limit%5B%5D", "%00", "after%20")));
        Gen<String> value = Gen.oneOf(
                Gen.of("", "0", "1", "2", "5", "100", "1000", "1001", "-1", "2147483648", "99999999999999999999",
                        "1e3", "0x10", "abc", "null", "true", "token", "done", "x-custom", "nope!", "2026-11-26T00:00:00Z",
                        "2026-11-26", "2026-13-01T00:00:00Z", "yesterday", "djE6MA", "djE6LTU", "%00", "%FF%FE", "%E2%80%AE",
                        "+", "%20", "a%2Fb", "active", "terminal", "closed", liveStream, closedStream, session),
                Gen.strings('!', '~', 0, 20).map(HostileInputIT::segment),
                Gen.strings("ab", 3000, 3000));
        Gen<String> pair = random -> key.next(random) + "=" + value.next(random);
        return pair.list(0, 5).map(pairs -> pairs.isEmpty() ? "" : "?" + String.join("&", pairs));
    }

    /** The settlement's {@code wait}: bad values, and valid ones short enough not to hold the run. */
    private static Gen<String> waitQuery() {
        return Gen.of("", "?wait=0", "?wait=1", "?wait=-1", "?wait=61", "?wait=1e3", "?wait=abc", "?wait=",
                "?wait=0&wait=99", "?wait=2147483648", "?other=1");
    }

    Gen<byte[]> anyBodies() {
        return Gen.oneOf(rawBodies(), json(3).map(HostileInputIT::utf8)).orNull(0.3);
    }

    Gen<byte[]> createBodies() {
        Gen<String> streamId = Gen.oneOf(ids(), Gen.just(liveStream), json(1))
                .map(id -> id.startsWith("\"") || id.startsWith("{") || id.startsWith("[") || !id.matches("[ -~]*")
                        ? id : quote(id));
        Gen<String> userMessage = Gen.oneOf(json(4),
                json(3).map(content -> "{\"content\":" + content + "}"),
                hostileStrings().map(content -> "{\"content\":" + quote(content) + "}"));
        Gen<String> onActive = Gen.oneOf(Gen.of("\"reject\"", "\"interrupt\"", "\"REJECT\"", "null",
                "1", "\"\""), json(1));
        Gen<String> leaseSeconds = Gen.oneOf(numbers(), Gen.of("1", "60", "3600", "3601", "0",
                "-5", "\"60\"", "1.5", "null"));
        Gen<String> object = object(field("streamId", streamId), field("userMessage", userMessage),
                field("onActive", onActive), field("leaseSeconds", leaseSeconds), field("extra", json(2)));
        Gen<String> text = hostileStrings();
        Gen<String> mode = Gen.of("reject", "interrupt");
        Gen<Integer> lease = Gen.integers(1, 3600);
        Gen<String> wellFormed = random -> "{\"userMessage\":{\"content\":" + quote(text.next(random))
                + "},\"onActive\":\"" + mode.next(random) + "\",\"leaseSeconds\":" + lease.next(random) + "}";
        return Gen.frequency(
                Gen.weight(6, wellFormed.map(HostileInputIT::utf8)),
                Gen.weight(6, object.map(HostileInputIT::utf8)),
                Gen.weight(2, rawBodies()),
                Gen.weight(1, json(5).map(HostileInputIT::utf8)));
    }

    Gen<byte[]> appendBodies() {
        Gen<String> type = Gen.frequency(
                Gen.weight(6, Gen.of("\"token\"", "\"reasoning\"", "\"tool\"", "\"tool_complete\"",
                        "\"done\"", "\"apperror\"", "\"cancel\"", "\"title\"", "\"stream_end\"", "\"x-custom\"",
                        "\"metering\"")),
                Gen.weight(2, Gen.of("\"TOKEN\"", "\"\"", "null", "1", "\"x-\"", "\"x-" + "a".repeat(70) + "\"",
                        "\"nope\"", "[\"token\"]")),
                Gen.weight(1, hostileStrings().map(HostileInputIT::quote)));
        Gen<String> seq = Gen.oneOf(Gen.of("1", "2", "3", "0", "-1", "1.5", "\"1\"", "null",
                "2147483648", "1e2", "99999999999999999999"), numbers());
        Gen<String> data = Gen.frequency(
                Gen.weight(5, json(4)),
                Gen.weight(3, hostileStrings().map(text -> "{\"text\":" + quote(text) + "}")),
                Gen.weight(2, numbers().map(number -> "{\"n\":" + number + ",\"list\":[" + number + "]}")),
                Gen.weight(1, Gen.integers(1, 3000).map(HostileInputIT::nested)),
                Gen.weight(1, Gen.integers(200_000, 300_000)
                        .map(size -> "{\"text\":\"" + "a".repeat(size) + "\"}")));
        Gen<String> event = object(field("seq", seq), field("type", type), field("data", data), field("extra", json(1)));
        Gen<String> events = Gen.frequency(
                Gen.weight(8, event.list(0, 6).map(list -> "[" + String.join(",", list) + "]")),
                Gen.weight(1, Gen.of("[]", "null", "{}", "\"events\"", "[null]", "[1,2]")),
                Gen.weight(1, Gen.integers(1000, 1100)
                        .map(n -> "[" + String.join(",", Collections.nCopies(n, "{\"type\":\"token\"}")) + "]")));
        // a well-formed batch whose content is hostile: most must be taken or refused on their content alone
        Gen<String> content = Gen.frequency(
                Gen.weight(3, hostileStrings().map(text -> "{\"text\":" + quote(text) + "}")),
                Gen.weight(2, numbers().map(number -> "{\"text\":\"n\",\"n\":" + number + "}")),
                Gen.weight(2, json(3).map(value -> "{\"text\":\"v\",\"v\":" + value + "}")),
                Gen.weight(1, Gen.of("{}", "null")));
        Gen<String> eventType = Gen.of("token", "token", "token", "reasoning", "tool", "x-note", "done", "title",
                "stream_end");
        Gen<String> wellFormedEvent = random -> "{\"type\":\"" + eventType.next(random) + "\",\"data\":"
                + content.next(random) + "}";
        Gen<String> wellFormed = wellFormedEvent.list(1, 4).map(list -> "{\"events\":[" + String.join(",", list) + "]}");
        Gen<String> extra = json(2);
        return Gen.frequency(
                Gen.weight(10, wellFormed.map(HostileInputIT::utf8)),
                Gen.weight(8, events.map(list -> utf8("{\"events\":" + list + "}"))),
                Gen.weight(1, random -> utf8("{\"events\":" + events.next(random) + ",\"other\":"
                        + extra.next(random) + "}")),
                Gen.weight(2, rawBodies()));
    }

    /** Bodies that are not JSON, or not quite: truncated, invalid UTF-8, a BOM, trailing content, empty. */
    private static Gen<byte[]> rawBodies() {
        return Gen.oneOf(
                Gen.of("", " ", "{", "}", "[", "{\"events\":", "{\"events\":[{\"type\":\"token\"}", "{} {}", "{}x",
                        "\uFEFF{}", "{'a':1}", "{\"a\":1,}", "{\"a\" 1}", "nul", "NaN", "{\"n\":NaN}", "{\"n\":Infinity}",
                        "{\"n\":01}", "{\"n\":1.}", "{\"n\":.5}", "{\"n\":+1}", "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}",
                        "{\"a\":\"tab\there\"}", "{\"a\":1}\u0000").map(HostileInputIT::utf8),
                Gen.bytes(200),
                Gen.of(new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, '"', '}'},
                        new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"', '}'},
                        new byte[] {(byte) 0xFF, (byte) 0xFE, '{', 0, '}', 0}));
    }

    /** JSON text of at most {@code depth} levels: objects, arrays, hostile strings and numbers. */
    private static Gen<String> json(int depth) {
        Gen<String> leaf = Gen.frequency(
                Gen.weight(3, hostileStrings().map(HostileInputIT::quote)),
                Gen.weight(3, numbers()),
                Gen.weight(1, Gen.of("true", "false", "null")));
        if (depth <= 0) {
            return leaf;
        }
        Gen<String> child = json(depth - 1);
        Gen<String> array = child.list(0, 4).map(items -> "[" + String.join(",", items) + "]");
        Gen<String> key = hostileStrings();
        Gen<String> member = random -> quote(key.next(random)) + ":" + child.next(random);
        Gen<String> object = member.list(0, 4).map(fields -> "{" + String.join(",", fields) + "}");
        return Gen.frequency(Gen.weight(3, leaf), Gen.weight(2, array),
                Gen.weight(3, object));
    }

    /** Strings a client might send by mistake or on purpose, as Java strings (quoted as JSON elsewhere). */
    private static Gen<String> hostileStrings() {
        return Gen.frequency(
                Gen.weight(4, Gen.strings(ALPHANUMERIC, 0, 12)),
                Gen.weight(3, Gen.strings('\u0000', '\uFFFF', 0, 12)),
                Gen.weight(3, Gen.of("\u0000", "a\u0000b", "\uD800", "\uDC00x", "x\uDBFF", "\uD83D\uDE00",
                        "😀👩‍👩‍👧", "\u202Eabc\u202C", "שלום", "مرحبا", "\u200B", "\uFEFF", "\uFFFF", "\r\n", "\"", "\\",
                        "</script>", "' or 1=1 --", "${jndi:ldap://x}", "%00", "\u0001\u001F")),
                Gen.weight(1, Gen.strings('\u0000', '\uFFFF', 0, 8)));
    }

    /** Numbers as JSON text: ordinary, beyond jsonb's range, with exponents, negative zero, long fractions. */
    private static Gen<String> numbers() {
        return Gen.oneOf(
                Gen.integers().map(String::valueOf),
                Gen.longs().map(String::valueOf),
                Gen.doubles().map(String::valueOf),
                Gen.of("0", "-0", "1e400", "-1e400", "1e-400", "1E3", "1e+20", "1.50", "0.0", "-0.0",
                        "123456789012345678901234567890", "1e131072", "1e-16383", "1e-16384", "9".repeat(1000),
                        "0." + "0".repeat(20000) + "1", "1" + "0".repeat(131073)));
    }

    /** A JSON object of the fields that are present (a field is present or empty, see {@link #field}). */
    @SafeVarargs
    private static Gen<String> object(Gen<String>... fields) {
        return random -> {
            List<String> present = new ArrayList<>();
            for (Gen<String> field : fields) {
                String member = field.next(random);
                if (!member.isEmpty()) {
                    present.add(member);
                }
            }
            return "{" + String.join(",", present) + "}";
        };
    }

    private static Gen<String> field(String name, Gen<String> value) {
        return Gen.oneOf(Gen.just(""), value.map(v -> quote(name) + ":" + v));
    }

    private static String nested(int depth) {
        return "{\"a\":" + "[".repeat(depth) + "1" + "]".repeat(depth) + "}";
    }

    /** A Java string as a JSON string literal, escaping only what JSON requires (lone surrogates stay). */
    private static String quote(String text) {
        StringBuilder quoted = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                quoted.append('\\').append(c);
            } else if (c < 0x20 || Character.isSurrogate(c)) {
                quoted.append(String.format("\\u%04x", (int) c));
            } else {
                quoted.append(c);
            }
        }
        return quoted.append('"').toString();
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
