package dev.streamjournal.drills;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamjournal.security.Roles;
import dev.streamjournal.support.Db;
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
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Generated hostile input (jqwik) on every endpoint of the packaged service over a real PostgreSQL:
 * random JSON shapes, unicode (NUL, lone surrogates, right-to-left marks, emoji), huge and tiny
 * numbers, deep nesting, broken bodies, and random mixes of headers, tokens, ids and query parameters.
 * Every answer is a 2xx or a 4xx problem document with a documented slug, never a 5xx; a 4xx, and any
 * read, writes nothing (the row counts of every table are unchanged). The tally of cases by endpoint
 * and status is written to {@code target/hostile-input.txt}.
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

    private static final PostgresResource POSTGRES = new PostgresResource();
    private static Replica service;
    private static Connection database;
    private static String liveStream;
    private static String closedStream;
    private static String session;
    private static final Map<String, AtomicLong> tally = new ConcurrentHashMap<>();

    @BeforeContainer
    static void start() throws Exception {
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

    @AfterContainer
    static void stop() throws Exception {
        StringBuilder report = new StringBuilder("generated cases by endpoint and status\n");
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

    @Property(tries = 400)
    void createStream(@ForAll("ids") String sessionId, @ForAll("createBodies") byte[] body,
            @ForAll("contentTypes") String contentType, @ForAll("producerTokens") String authorization) throws Exception {
        check("create", "POST", "/v1/sessions/" + segment(sessionId) + "/streams", authorization, contentType, null, null,
                body);
    }

    @Property(tries = 600)
    void append(@ForAll("appendTargets") String target, @ForAll("appendBodies") byte[] body,
            @ForAll("contentTypes") String contentType, @ForAll("producerTokens") String authorization) throws Exception {
        String streamId = "fresh".equals(target) ? newStream("hostile-" + UUID.randomUUID()) : target;
        check("append", "POST", "/v1/streams/" + segment(streamId) + "/events", authorization, contentType, null, null,
                body);
    }

    @Property(tries = 150)
    void heartbeat(@ForAll("streamIds") String streamId, @ForAll("producerTokens") String authorization,
            @ForAll("anyBodies") byte[] body) throws Exception {
        check("heartbeat", "POST", "/v1/streams/" + segment(streamId) + "/heartbeat", authorization, "application/json",
                null, null, body);
    }

    @Property(tries = 600)
    void read(@ForAll("readPaths") String path, @ForAll("readerTokens") String authorization,
            @ForAll("accepts") String accept, @ForAll("lastEventIds") String lastEventId) throws Exception {
        check("read " + template(path), "GET", path, authorization, null, accept, lastEventId, null);
    }

    @Property(tries = 300)
    void audit(@ForAll("auditPaths") String path, @ForAll("auditorTokens") String authorization,
            @ForAll("accepts") String accept) throws Exception {
        check("audit " + template(path), "GET", path, authorization, null, accept, null, null);
    }

    @Property(tries = 100)
    void otherMethods(@ForAll("methods") String method, @ForAll("anyPaths") String path,
            @ForAll("producerTokens") String authorization, @ForAll("anyBodies") byte[] body) throws Exception {
        check(method + " " + template(path), method, path, authorization, "application/json", null, null, body);
    }

    // ---- the check ---------------------------------------------------------------------------------

    private static void check(String endpoint, String method, String path, String authorization, String contentType,
            String accept, String lastEventId, byte[] body) throws Exception {
        Map<String, Long> before = Db.rowCounts(database);
        Response response = send(method, path, authorization, contentType, accept, lastEventId, body);
        tally.computeIfAbsent(endpoint + " " + response.status(), key -> new AtomicLong()).incrementAndGet();
        String request = method + " " + path + " (" + (body == null ? 0 : body.length) + " bytes: "
                + preview(body) + ") -> " + response.status() + " " + response.body();
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

    @Provide
    Arbitrary<String> ids() {
        return Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.strings().withChars("abcXYZ019._:-").ofMinLength(1).ofMaxLength(40)
                        .map(id -> "hostile-" + id)),
                Tuple.of(2, hostileStrings().filter(s -> !s.isEmpty() && !s.equals(".") && !s.equals(".."))),
                Tuple.of(1, Arbitraries.strings().withChars("ab").ofLength(129)),
                Tuple.of(1, Arbitraries.of(" ", "a b", "ä", "x/y", "%00", "\u0000", "\uD800", "😀", "\u202Eabc")));
    }

    @Provide
    Arbitrary<String> streamIds() {
        return Arbitraries.frequencyOf(
                Tuple.of(2, Arbitraries.just(liveStream)),
                Tuple.of(2, Arbitraries.just(closedStream)),
                Tuple.of(3, ids()));
    }

    @Provide
    Arbitrary<String> appendTargets() {
        return Arbitraries.frequencyOf(
                Tuple.of(5, Arbitraries.just("fresh")),
                Tuple.of(3, streamIds()));
    }

    @Provide
    Arbitrary<String> contentTypes() {
        return Arbitraries.frequencyOf(
                Tuple.of(8, Arbitraries.just("application/json")),
                Tuple.of(3, Arbitraries.of("application/json; charset=utf-8", "text/plain", "application/xml",
                        "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=latin1",
                        "*/*", "garbage", "application/problem+json", "application/ndjson")));
    }

    @Provide
    Arbitrary<String> accepts() {
        return Arbitraries.of("application/json", "text/event-stream", "*/*", "text/html", "application/x-ndjson",
                "application/xml", "garbage/x", "text/event-stream;q=0.1, application/json", "application/problem+json")
                .injectNull(0.2);
    }

    @Provide
    Arbitrary<String> lastEventIds() {
        return Arbitraries.oneOf(Arbitraries.of("", "0", "1", "2", "3", "-1", "99999999999", "abc", "1.5", " 1"),
                Arbitraries.strings().withChars("0123456789:abc-").ofMaxLength(30),
                Arbitraries.of(liveStream + ":1", closedStream + ":2", "nope:1", liveStream + ":x")).injectNull(0.4);
    }

    @Provide
    Arbitrary<String> producerTokens() {
        return tokens(PRODUCER);
    }

    @Provide
    Arbitrary<String> readerTokens() {
        return tokens(READER);
    }

    @Provide
    Arbitrary<String> auditorTokens() {
        return tokens(AUDITOR);
    }

    private static Arbitrary<String> tokens(String good) {
        return Arbitraries.frequencyOf(
                Tuple.of(10, Arbitraries.just(good)),
                Tuple.of(2, Arbitraries.just(ADMIN)),
                Tuple.of(1, Arbitraries.just("").injectNull(0.5)),
                Tuple.of(3, Arbitraries.of("Bearer", "Bearer ", "bearer x", "Basic YTpi", "Bearer a.b.c",
                        "Bearer " + Tokens.expired(TENANT, Roles.ADMIN), "Bearer " + Tokens.forged(TENANT, Roles.ADMIN),
                        "Bearer " + Tokens.unsigned(TENANT), "Bearer " + Tokens.withoutTenant(Roles.ADMIN),
                        "Bearer " + Tokens.withTenant(42, Roles.ADMIN), "Bearer " + Tokens.otherIssuer(TENANT, Roles.ADMIN),
                        Tokens.bearer("other", "other-tenant", Roles.ADMIN), Tokens.bearer("nobody", TENANT),
                        "Bearer " + "x".repeat(9000))),
                Tuple.of(1, Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(200)));
    }

    @Provide
    Arbitrary<String> methods() {
        return Arbitraries.of("PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE");
    }

    @Provide
    Arbitrary<String> anyPaths() {
        return Arbitraries.oneOf(readPaths(), auditPaths(),
                Arbitraries.of("/v1/sessions/x/streams", "/v1/streams/x/events", "/v1/streams/x/heartbeat"));
    }

    @Provide
    Arbitrary<String> readPaths() {
        Arbitrary<String> stream = streamIds().map(HostileInputIT::segment);
        Arbitrary<String> sessionId = Arbitraries.oneOf(Arbitraries.just(session), ids()).map(HostileInputIT::segment);
        return Arbitraries.oneOf(
                stream.map(id -> "/v1/streams/" + id),
                Combinators.combine(stream, query(List.of("after", "limit"))).as((id, q) -> "/v1/streams/" + id + "/events" + q),
                Combinators.combine(stream, waitQuery()).as((id, q) -> "/v1/streams/" + id + "/settlement" + q),
                sessionId.map(id -> "/v1/sessions/" + id),
                Combinators.combine(sessionId, query(List.of("after"))).as((id, q) -> "/v1/sessions/" + id + "/events" + q),
                query(List.of("state", "sessionId", "limit", "after")).map(q -> "/v1/streams" + q),
                Combinators.combine(stream, query(List.of("stream_id"))).as((id, q) -> "/api/chat/stream/status?stream_id=" + id
                        + q.replaceFirst("^\\?", "&")));
    }

    @Provide
    Arbitrary<String> auditPaths() {
        return Combinators.combine(Arbitraries.of("/v1/audit/events", "/v1/audit/lifecycle"),
                query(List.of("sessionId", "streamId", "type", "from", "to", "after", "limit"))).as(String::concat);
    }

    /** A random mix of the endpoint's parameters (and unknown ones) with random values. */
    private static Arbitrary<String> query(List<String> keys) {
        Arbitrary<String> key = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.of(keys)),
                Tuple.of(1, Arbitraries.of("x", "", "limit%5B%5D", "%00", "after%20")));
        Arbitrary<String> value = Arbitraries.oneOf(
                Arbitraries.of("", "0", "1", "2", "5", "100", "1000", "1001", "-1", "2147483648", "99999999999999999999",
                        "1e3", "0x10", "abc", "null", "true", "token", "done", "x-custom", "nope!", "2026-11-26T00:00:00Z",
                        "2026-11-26", "2026-13-01T00:00:00Z", "yesterday", "djE6MA", "djE6LTU", "%00", "%FF%FE", "%E2%80%AE",
                        "+", "%20", "a%2Fb", "active", "terminal", "closed", liveStream, closedStream, session),
                Arbitraries.strings().withCharRange('!', '~').ofMaxLength(20).map(HostileInputIT::segment),
                Arbitraries.strings().withChars("ab").ofLength(3000));
        Arbitrary<String> pair = Combinators.combine(key, value).as((k, v) -> k + "=" + v);
        return pair.list().ofMaxSize(5).map(pairs -> pairs.isEmpty() ? "" : "?" + String.join("&", pairs));
    }

    /** The settlement's {@code wait}: bad values, and valid ones short enough not to hold the run. */
    private static Arbitrary<String> waitQuery() {
        return Arbitraries.of("", "?wait=0", "?wait=1", "?wait=-1", "?wait=61", "?wait=1e3", "?wait=abc", "?wait=",
                "?wait=0&wait=99", "?wait=2147483648", "?other=1");
    }

    @Provide
    Arbitrary<byte[]> anyBodies() {
        return Arbitraries.oneOf(rawBodies(), json(3).map(HostileInputIT::utf8)).injectNull(0.3);
    }

    @Provide
    Arbitrary<byte[]> createBodies() {
        Arbitrary<String> streamId = Arbitraries.oneOf(ids(), Arbitraries.just(liveStream), json(1))
                .map(id -> id.startsWith("\"") || id.startsWith("{") || id.startsWith("[") || !id.matches("[ -~]*")
                        ? id : quote(id));
        Arbitrary<String> userMessage = Arbitraries.oneOf(json(4),
                json(3).map(content -> "{\"content\":" + content + "}"),
                hostileStrings().map(content -> "{\"content\":" + quote(content) + "}"));
        Arbitrary<String> onActive = Arbitraries.oneOf(Arbitraries.of("\"reject\"", "\"interrupt\"", "\"REJECT\"", "null",
                "1", "\"\""), json(1));
        Arbitrary<String> leaseSeconds = Arbitraries.oneOf(numbers(), Arbitraries.of("1", "60", "3600", "3601", "0",
                "-5", "\"60\"", "1.5", "null"));
        Arbitrary<String> object = Combinators.combine(field("streamId", streamId), field("userMessage", userMessage),
                field("onActive", onActive), field("leaseSeconds", leaseSeconds), field("extra", json(2)))
                .as((a, b, c, d, e) -> "{" + List.of(a, b, c, d, e).stream().filter(f -> !f.isEmpty())
                        .collect(Collectors.joining(",")) + "}");
        Arbitrary<String> wellFormed = Combinators.combine(hostileStrings(), Arbitraries.of("reject", "interrupt"),
                Arbitraries.integers().between(1, 3600))
                .as((text, mode, lease) -> "{\"userMessage\":{\"content\":" + quote(text) + "},\"onActive\":\""
                        + mode + "\",\"leaseSeconds\":" + lease + "}");
        return Arbitraries.frequencyOf(
                Tuple.of(6, wellFormed.map(HostileInputIT::utf8)),
                Tuple.of(6, object.map(HostileInputIT::utf8)),
                Tuple.of(2, rawBodies()),
                Tuple.of(1, json(5).map(HostileInputIT::utf8)));
    }

    @Provide
    Arbitrary<byte[]> appendBodies() {
        Arbitrary<String> type = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.of("\"token\"", "\"reasoning\"", "\"tool\"", "\"tool_complete\"",
                        "\"done\"", "\"apperror\"", "\"cancel\"", "\"title\"", "\"stream_end\"", "\"x-custom\"",
                        "\"metering\"")),
                Tuple.of(2, Arbitraries.of("\"TOKEN\"", "\"\"", "null", "1", "\"x-\"", "\"x-" + "a".repeat(70) + "\"",
                        "\"nope\"", "[\"token\"]")),
                Tuple.of(1, hostileStrings().map(HostileInputIT::quote)));
        Arbitrary<String> seq = Arbitraries.oneOf(Arbitraries.of("1", "2", "3", "0", "-1", "1.5", "\"1\"", "null",
                "2147483648", "1e2", "99999999999999999999"), numbers());
        Arbitrary<String> data = Arbitraries.frequencyOf(
                Tuple.of(5, json(4)),
                Tuple.of(3, hostileStrings().map(text -> "{\"text\":" + quote(text) + "}")),
                Tuple.of(2, numbers().map(number -> "{\"n\":" + number + ",\"list\":[" + number + "]}")),
                Tuple.of(1, Arbitraries.integers().between(1, 3000).map(HostileInputIT::nested)),
                Tuple.of(1, Arbitraries.integers().between(200_000, 300_000)
                        .map(size -> "{\"text\":\"" + "a".repeat(size) + "\"}")));
        Arbitrary<String> event = Combinators.combine(field("seq", seq), field("type", type), field("data", data),
                field("extra", json(1)))
                .as((a, b, c, d) -> "{" + List.of(a, b, c, d).stream().filter(f -> !f.isEmpty())
                        .collect(Collectors.joining(",")) + "}");
        Arbitrary<String> events = Arbitraries.frequencyOf(
                Tuple.of(8, event.list().ofMaxSize(6).map(list -> "[" + String.join(",", list) + "]")),
                Tuple.of(1, Arbitraries.of("[]", "null", "{}", "\"events\"", "[null]", "[1,2]")),
                Tuple.of(1, Arbitraries.integers().between(1000, 1100)
                        .map(n -> "[" + String.join(",", Collections.nCopies(n, "{\"type\":\"token\"}")) + "]")));
        // a well-formed batch whose content is hostile: most must be taken or refused on their content alone
        Arbitrary<String> content = Arbitraries.frequencyOf(
                Tuple.of(3, hostileStrings().map(text -> "{\"text\":" + quote(text) + "}")),
                Tuple.of(2, numbers().map(number -> "{\"text\":\"n\",\"n\":" + number + "}")),
                Tuple.of(2, json(3).map(value -> "{\"text\":\"v\",\"v\":" + value + "}")),
                Tuple.of(1, Arbitraries.of("{}", "null")));
        Arbitrary<String> wellFormed = Combinators.combine(Arbitraries.of("token", "token", "token", "reasoning", "tool",
                "x-note", "done", "title", "stream_end"), content)
                .as((t, d) -> "{\"type\":\"" + t + "\",\"data\":" + d + "}")
                .list().ofMinSize(1).ofMaxSize(4).map(list -> "{\"events\":[" + String.join(",", list) + "]}");
        return Arbitraries.frequencyOf(
                Tuple.of(10, wellFormed.map(HostileInputIT::utf8)),
                Tuple.of(8, events.map(list -> utf8("{\"events\":" + list + "}"))),
                Tuple.of(1, Combinators.combine(events, json(2))
                        .as((list, extra) -> utf8("{\"events\":" + list + ",\"other\":" + extra + "}"))),
                Tuple.of(2, rawBodies()));
    }

    /** Bodies that are not JSON, or not quite: truncated, invalid UTF-8, a BOM, trailing content, empty. */
    private static Arbitrary<byte[]> rawBodies() {
        return Arbitraries.oneOf(
                Arbitraries.of("", " ", "{", "}", "[", "{\"events\":", "{\"events\":[{\"type\":\"token\"}", "{} {}", "{}x",
                        "\uFEFF{}", "{'a':1}", "{\"a\":1,}", "{\"a\" 1}", "nul", "NaN", "{\"n\":NaN}", "{\"n\":Infinity}",
                        "{\"n\":01}", "{\"n\":1.}", "{\"n\":.5}", "{\"n\":+1}", "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}",
                        "{\"a\":\"tab\there\"}", "{\"a\":1}\u0000").map(HostileInputIT::utf8),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(200),
                Arbitraries.of(new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, '"', '}'},
                        new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"', '}'},
                        new byte[] {(byte) 0xFF, (byte) 0xFE, '{', 0, '}', 0}));
    }

    /** JSON text of at most {@code depth} levels: objects, arrays, hostile strings and numbers. */
    private static Arbitrary<String> json(int depth) {
        Arbitrary<String> leaf = Arbitraries.frequencyOf(
                Tuple.of(3, hostileStrings().map(HostileInputIT::quote)),
                Tuple.of(3, numbers()),
                Tuple.of(1, Arbitraries.of("true", "false", "null")));
        if (depth <= 0) {
            return leaf;
        }
        Arbitrary<String> child = Arbitraries.lazy(() -> json(depth - 1));
        Arbitrary<String> array = child.list().ofMaxSize(4).map(items -> "[" + String.join(",", items) + "]");
        Arbitrary<String> object = Combinators.combine(hostileStrings(), child).as((k, v) -> quote(k) + ":" + v)
                .list().ofMaxSize(4).map(fields -> "{" + String.join(",", fields) + "}");
        return Arbitraries.frequencyOf(Tuple.of(3, leaf), Tuple.of(2, array),
                Tuple.of(3, object));
    }

    /** Strings a client might send by mistake or on purpose, as Java strings (quoted as JSON elsewhere). */
    private static Arbitrary<String> hostileStrings() {
        return Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.strings().alpha().numeric().ofMaxLength(12)),
                Tuple.of(3, Arbitraries.strings().all().ofMaxLength(12)),
                Tuple.of(3, Arbitraries.of("\u0000", "a\u0000b", "\uD800", "\uDC00x", "x\uDBFF", "\uD83D\uDE00",
                        "😀👩‍👩‍👧", "\u202Eabc\u202C", "שלום", "مرحبا", "\u200B", "\uFEFF", "\uFFFF", "\r\n", "\"", "\\",
                        "</script>", "' or 1=1 --", "${jndi:ldap://x}", "%00", "\u0001\u001F")),
                Tuple.of(1, Arbitraries.strings().withCharRange('\u0000', '\uFFFF').ofMaxLength(8)));
    }

    /** Numbers as JSON text: ordinary, beyond jsonb's range, with exponents, negative zero, long fractions. */
    private static Arbitrary<String> numbers() {
        return Arbitraries.oneOf(
                Arbitraries.integers().map(String::valueOf),
                Arbitraries.longs().map(String::valueOf),
                Arbitraries.doubles().map(String::valueOf).filter(text -> !text.contains("Infinity") && !text.contains("NaN")),
                Arbitraries.of("0", "-0", "1e400", "-1e400", "1e-400", "1E3", "1e+20", "1.50", "0.0", "-0.0",
                        "123456789012345678901234567890", "1e131072", "1e-16383", "1e-16384", "9".repeat(1000),
                        "0." + "0".repeat(20000) + "1", "1" + "0".repeat(131073)));
    }

    private static Arbitrary<String> field(String name, Arbitrary<String> value) {
        return Arbitraries.oneOf(Arbitraries.just(""), value.map(v -> quote(name) + ":" + v));
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
