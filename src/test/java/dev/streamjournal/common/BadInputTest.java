package dev.streamjournal.common;

import static dev.streamjournal.support.Api.append;
import static dev.streamjournal.support.Api.createStream;
import static dev.streamjournal.support.Api.event;
import static dev.streamjournal.support.Api.token;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import dev.streamjournal.security.Roles;
import dev.streamjournal.support.AuthOn;
import dev.streamjournal.support.Db;
import dev.streamjournal.support.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.builder.RequestSpecBuilder;
import io.restassured.config.EncoderConfig;
import io.restassured.config.RestAssuredConfig;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every endpoint's bad inputs, hostile tokens and other tenants' ids: each gets its documented 4xx problem
 * document and leaves every table's row count unchanged. Authentication is on; a case acts as an admin
 * of the fixture's tenant unless it says otherwise.
 */
@QuarkusTest
@TestProfile(AuthOn.class)
class BadInputTest {

    /** Fixture ids, shared by all cases: a live stream with two events and a closed one, in two sessions. */
    static final String RUN = UUID.randomUUID().toString().substring(0, 8);
    static final String SESSION = "bad-input-" + RUN;
    static final String LIVE = "live-" + RUN;
    static final String CLOSED = "closed-" + RUN;
    static final String CLOSED_SESSION = "bad-input-closed-" + RUN;
    static final String UNKNOWN = "unknown-" + RUN;

    private static final RestAssuredConfig RAW = RestAssuredConfig.config()
            .encoderConfig(EncoderConfig.encoderConfig().appendDefaultContentCharsetToContentTypeIfUndefined(false));

    @Inject
    Db db;

    static final String ADMIN = Tokens.bearer("bad-input-admin", Tokens.TENANT_A, Roles.ADMIN);
    static final String OTHER_TENANT = Tokens.bearer("intruder", Tokens.TENANT_B, Roles.ADMIN);

    record Case(String name, String method, String path, String contentType, Object body, int status, String slug,
            Map<String, String> headers) {

        Case(String name, String method, String path, String contentType, Object body, int status, String slug) {
            this(name, method, path, contentType, body, status, slug, Map.of("Authorization", ADMIN));
        }

        /** The same request with {@code Authorization} set to {@code value}, or without it when null. */
        Case authorization(String value) {
            Map<String, String> changed = new java.util.HashMap<>(headers);
            changed.remove("Authorization");
            if (value != null) {
                changed.put("Authorization", value);
            }
            return new Case(name, method, path, contentType, body, status, slug, changed);
        }

        Case header(String name, String value) {
            Map<String, String> changed = new java.util.HashMap<>(headers);
            changed.put(name, value);
            return new Case(this.name, method, path, contentType, body, status, slug, changed);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    private static Case post(String name, String path, String body, int status, String slug) {
        return new Case(name, "POST", path, "application/json", body, status, slug);
    }

    private static Case get(String name, String path, int status, String slug) {
        return new Case(name, "GET", path, null, null, status, slug);
    }

    static Stream<Case> cases() {
        String create = "/v1/sessions/" + SESSION + "/streams";
        String events = "/v1/streams/" + LIVE + "/events";
        String big = "x".repeat(262_145);
        List<Case> cases = new ArrayList<>(List.of(
                // create stream
                post("create: malformed JSON", create, "{\"streamId\":", 400, "malformed-json"),
                post("create: two JSON values", create, "{} {}", 400, "invalid-request"),
                post("create: array body", create, "[]", 400, "invalid-request"),
                post("create: streamId not a string", create, "{\"streamId\":{\"a\":1}}", 400, "invalid-request"),
                post("create: streamId with a space", create, "{\"streamId\":\"a b\"}", 400, "invalid-id"),
                post("create: streamId too long", create, "{\"streamId\":\"" + "a".repeat(129) + "\"}", 400, "invalid-id"),
                post("create: streamId with SQL", create, "{\"streamId\":\"x';drop table streams;--\"}", 400, "invalid-id"),
                post("create: session id with a slash-free bad char", "/v1/sessions/bad$id/streams", "{}", 400, "invalid-id"),
                post("create: session id too long", "/v1/sessions/" + "s".repeat(129) + "/streams", "{}", 400, "invalid-id"),
                post("create: leaseSeconds as string", create, "{\"leaseSeconds\":\"30\"}", 400, "invalid-request"),
                post("create: leaseSeconds zero", create, "{\"leaseSeconds\":0}", 400, "invalid-request"),
                post("create: leaseSeconds negative", create, "{\"leaseSeconds\":-5}", 400, "invalid-request"),
                post("create: leaseSeconds huge", create, "{\"leaseSeconds\":99999999999}", 400, "invalid-request"),
                post("create: leaseSeconds fractional", create, "{\"leaseSeconds\":1.5}", 400, "invalid-request"),
                post("create: onActive unknown", create, "{\"onActive\":\"maybe\"}", 400, "invalid-request"),
                post("create: onActive wrong type", create, "{\"onActive\":true}", 400, "invalid-request"),
                post("create: userMessage a string", create, "{\"userMessage\":\"hi\"}", 400, "invalid-request"),
                post("create: userMessage without content", create, "{\"userMessage\":{\"text\":\"hi\"}}", 400, "invalid-request"),
                post("create: userMessage content not text", create, "{\"userMessage\":{\"content\":5}}", 400, "invalid-request"),
                post("create: userMessage with U+0000", create,
                        "{\"userMessage\":{\"content\":\"a\\u0000b\"}}", 400, "invalid-request"),
                post("create: userMessage with a lone surrogate", create,
                        "{\"userMessage\":{\"content\":\"a\\ud800b\"}}", 400, "invalid-request"),
                post("create: userMessage too large", create,
                        "{\"userMessage\":{\"content\":\"" + big + "\"}}", 413, "payload-too-large"),
                new Case("create: text/plain", "POST", create, "text/plain", "{}", 415, "unsupported-media-type"),
                post("create: session busy", create, "{\"streamId\":\"other-" + RUN + "\"}", 409, "session-busy"),
                post("create: stream id taken by another session", "/v1/sessions/else-" + RUN + "/streams",
                        "{\"streamId\":\"" + LIVE + "\"}", 409, "stream-exists"),
                // append
                post("append: malformed JSON", events, "{\"events\":[{\"type\":\"token\"", 400, "malformed-json"),
                post("append: invalid UTF-8", events, null, 400, "malformed-json"),
                post("append: empty body", events, "", 400, "invalid-request"),
                post("append: U+0000 in a string", events,
                        "{\"events\":[{\"type\":\"token\",\"data\":{\"text\":\"a\\u0000b\"}}]}", 400, "invalid-event"),
                post("append: U+0000 in a key", events,
                        "{\"events\":[{\"type\":\"token\",\"data\":{\"a\\u0000\":1}}]}", 400, "invalid-event"),
                post("append: U+0000 deep in an array", events,
                        "{\"events\":[{\"type\":\"tool\",\"data\":{\"args\":[1,[\"x\",\"\\u0000\"]]}}]}", 400, "invalid-event"),
                post("append: a lone high surrogate", events,
                        "{\"events\":[{\"type\":\"token\",\"data\":{\"text\":\"\\ud83d\"}}]}", 400, "invalid-event"),
                post("append: a lone low surrogate", events,
                        "{\"events\":[{\"type\":\"token\",\"data\":{\"text\":\"x\\ude00\"}}]}", 400, "invalid-event"),
                post("append: a number beyond jsonb's range", events,
                        "{\"events\":[{\"type\":\"token\",\"data\":{\"n\":1e200000}}]}", 400, "invalid-event"),
                post("append: a fraction beyond jsonb's range", events,
                        "{\"events\":[{\"type\":\"token\",\"data\":{\"n\":1e-20000}}]}", 400, "invalid-event"),
                post("append: a number of 1,001 digits (the reader's bound)", events,
                        "{\"events\":[{\"type\":\"token\",\"data\":{\"n\":" + "9".repeat(1001) + "}}]}", 400,
                        "invalid-request"),
                post("append: a fraction of 20,000 digits in an unknown field", events,
                        "{\"events\":[{\"type\":\"token\"}],\"other\":[0." + "0".repeat(20000) + "1]}", 400,
                        "invalid-request"),
                post("append: data nested deeper than 256 levels", events,
                        "{\"events\":[{\"type\":\"token\",\"data\":{\"a\":" + "[".repeat(256) + "]".repeat(256)
                                + "}}]}", 400, "invalid-request"),
                post("create: a userMessage nested deeper than 256 levels", create,
                        "{\"userMessage\":{\"content\":\"q\",\"x\":" + "[".repeat(256) + "]".repeat(256) + "}}", 400,
                        "invalid-request"),
                post("append: U+0000 in the second event of a batch", events,
                        "{\"events\":[{\"type\":\"token\"},{\"type\":\"token\",\"data\":{\"t\":\"\\u0000\"}}]}", 400, "invalid-event"),
                post("append: null body", events, "null", 400, "invalid-request"),
                post("append: events not an array", events, "{\"events\":\"token\"}", 400, "invalid-request"),
                post("append: events missing", events, "{}", 400, "invalid-request"),
                post("append: events empty", events, "{\"events\":[]}", 400, "invalid-request"),
                post("append: null event", events, "{\"events\":[null]}", 400, "invalid-event"),
                post("append: unknown type", events, "{\"events\":[{\"type\":\"tokn\"}]}", 400, "invalid-event"),
                post("append: missing type", events, "{\"events\":[{\"data\":{}}]}", 400, "invalid-event"),
                post("append: type not a string", events, "{\"events\":[{\"type\":{}}]}", 400, "invalid-request"),
                post("append: seq as string", events, "{\"events\":[{\"seq\":\"3\",\"type\":\"token\"}]}", 400, "invalid-request"),
                post("append: seq fractional", events, "{\"events\":[{\"seq\":3.5,\"type\":\"token\"}]}", 400, "invalid-request"),
                post("append: seq zero", events, "{\"events\":[{\"seq\":0,\"type\":\"token\"}]}", 400, "invalid-event"),
                post("append: seq negative", events, "{\"events\":[{\"seq\":-1,\"type\":\"token\"}]}", 400, "invalid-event"),
                post("append: seq beyond long", events, "{\"events\":[{\"seq\":99999999999999999999,\"type\":\"token\"}]}",
                        400, "invalid-request"),
                post("append: seq huge", events, "{\"events\":[{\"seq\":9999999999,\"type\":\"token\"}]}", 409, "seq-gap"),
                post("append: seq gap", events, "{\"events\":[{\"seq\":4,\"type\":\"token\"}]}", 409, "seq-gap"),
                post("append: seq conflict", events,
                        "{\"events\":[{\"seq\":1,\"type\":\"token\",\"data\":{\"text\":\"other\"}}]}", 409, "seq-conflict"),
                post("append: good event then bad one", events,
                        "{\"events\":[{\"type\":\"token\",\"data\":{}},{\"type\":\"nope\"}]}", 400, "invalid-event"),
                post("append: good event then conflict", events,
                        "{\"events\":[{\"seq\":3,\"type\":\"token\",\"data\":{}},{\"seq\":5,\"type\":\"token\"}]}", 409, "seq-gap"),
                post("append: data an array", events, "{\"events\":[{\"type\":\"token\",\"data\":[1]}]}", 400, "invalid-event"),
                post("append: data a string", events, "{\"events\":[{\"type\":\"token\",\"data\":\"x\"}]}", 400, "invalid-event"),
                post("append: data over 256 KiB", events,
                        "{\"events\":[{\"type\":\"token\",\"data\":{\"text\":\"" + big + "\"}}]}", 413, "payload-too-large"),
                post("append: 1001 events", events, "{\"events\":[" + String.join(",",
                        Collections.nCopies(1001, "{\"type\":\"token\"}")) + "]}", 413, "payload-too-large"),
                post("append: body over 4 MiB", events, "{\"events\":[" + String.join(",",
                        Collections.nCopies(20, "{\"type\":\"token\",\"data\":{\"text\":\"" + "y".repeat(220_000) + "\"}}"))
                        + "]}", 413, "payload-too-large"),
                post("append: content after done in one batch", events,
                        "{\"events\":[{\"type\":\"done\"},{\"type\":\"token\"}]}", 409, "stream-terminal"),
                post("append: to a closed stream", "/v1/streams/" + CLOSED + "/events",
                        "{\"events\":[{\"type\":\"title\"}]}", 409, "stream-closed"),
                post("append: unknown stream", "/v1/streams/" + UNKNOWN + "/events",
                        "{\"events\":[{\"type\":\"token\"}]}", 404, "not-found"),
                post("append: bad stream id", "/v1/streams/bad%20id/events", "{\"events\":[{\"type\":\"token\"}]}",
                        400, "invalid-id"),
                new Case("append: text/plain", "POST", events, "text/plain", "{\"events\":[]}", 415, "unsupported-media-type"),
                // heartbeat
                post("heartbeat: unknown stream", "/v1/streams/" + UNKNOWN + "/heartbeat", "", 404, "not-found"),
                post("heartbeat: closed stream", "/v1/streams/" + CLOSED + "/heartbeat", "", 409, "stream-terminal"),
                post("heartbeat: bad id", "/v1/streams/a%27b/heartbeat", "", 400, "invalid-id"),
                // reads
                get("status: unknown stream", "/v1/streams/" + UNKNOWN, 404, "not-found"),
                get("status: bad id", "/v1/streams/%00", 400, "invalid-id"),
                get("events: unknown stream", "/v1/streams/" + UNKNOWN + "/events", 404, "not-found"),
                get("events: after negative", events + "?after=-1", 400, "invalid-request"),
                get("events: after not a number", events + "?after=abc", 400, "invalid-request"),
                get("events: after huge", events + "?after=99999999999", 400, "invalid-request"),
                get("events: limit zero", events + "?limit=0", 400, "invalid-request"),
                get("events: limit over 1000", events + "?limit=1001", 400, "invalid-request"),
                get("events: limit SQL", events + "?limit=1%27%20or%201=1", 400, "invalid-request"),
                get("session: unknown", "/v1/sessions/" + UNKNOWN, 404, "not-found"),
                get("session: bad id", "/v1/sessions/" + "%E2%9C%93", 400, "invalid-id"),
                get("hermes: missing stream_id", "/api/chat/stream/status", 400, "invalid-id"),
                get("hermes: bad stream_id", "/api/chat/stream/status?stream_id=a%20b", 400, "invalid-id"),
                // framework-level
                get("unknown path", "/v1/nothing-here", 404, "not-found"),
                new Case("wrong method", "DELETE", "/v1/streams/" + LIVE, null, null, 405, "method-not-allowed"),
                // settlement
                get("settlement: wait negative", "/v1/streams/" + LIVE + "/settlement?wait=-1", 400, "invalid-request"),
                get("settlement: wait over 60", "/v1/streams/" + LIVE + "/settlement?wait=61", 400, "invalid-request"),
                get("settlement: wait huge", "/v1/streams/" + LIVE + "/settlement?wait=99999999999999", 400,
                        "invalid-request"),
                get("settlement: wait fractional", "/v1/streams/" + LIVE + "/settlement?wait=1.5", 400, "invalid-request"),
                get("settlement: bad id", "/v1/streams/a%3Bb/settlement", 400, "invalid-id"),
                // live tails
                get("tail: Last-Event-ID not a cursor", events, 400, "invalid-request").header("Accept", "text/event-stream")
                        .header("Last-Event-ID", "abc"),
                get("tail: Last-Event-ID of another stream", events, 400, "invalid-request")
                        .header("Accept", "text/event-stream").header("Last-Event-ID", CLOSED + ":1"),
                get("tail: Last-Event-ID negative", events, 400, "invalid-request").header("Accept", "text/event-stream")
                        .header("Last-Event-ID", LIVE + ":-1"),
                get("tail: Last-Event-ID huge", events, 400, "invalid-request").header("Accept", "text/event-stream")
                        .header("Last-Event-ID", LIVE + ":99999999999999999999"),
                get("tail: after SQL", events + "?after=1%20or%201=1", 400, "invalid-request")
                        .header("Accept", "text/event-stream"),
                get("tail: unknown stream", "/v1/streams/" + UNKNOWN + "/events", 404, "not-found")
                        .header("Accept", "text/event-stream"),
                get("session tail: Last-Event-ID without seq", "/v1/sessions/" + SESSION + "/events", 400, "invalid-request")
                        .header("Accept", "text/event-stream").header("Last-Event-ID", LIVE),
                get("session tail: Last-Event-ID with a bad stream id", "/v1/sessions/" + SESSION + "/events", 400,
                        "invalid-id").header("Accept", "text/event-stream").header("Last-Event-ID", "a'b:1"),
                get("session tail: unknown session", "/v1/sessions/" + UNKNOWN + "/events", 404, "not-found")
                        .header("Accept", "text/event-stream"),
                // the stream listing
                get("list: unknown state", "/v1/streams?state=live", 400, "invalid-request"),
                get("list: state with SQL", "/v1/streams?state=active%27%20or%201=1", 400, "invalid-request"),
                get("list: limit zero", "/v1/streams?limit=0", 400, "invalid-request"),
                get("list: limit too large", "/v1/streams?limit=1001", 400, "invalid-request"),
                get("list: limit not a number", "/v1/streams?limit=ten", 400, "invalid-request"),
                get("list: sessionId with SQL", "/v1/streams?sessionId=x%27%3Bdelete%20from%20streams", 400, "invalid-id"),
                get("list: cursor not base64", "/v1/streams?after=***", 400, "invalid-request"),
                get("list: cursor of the audit", "/v1/streams?after=djE6NA", 400, "invalid-request"),
                get("list: cursor with a bad stream id", "/v1/streams?after=czE6MTphJ2I", 400, "invalid-request"),
                // audit
                get("audit: cursor not base64", "/v1/audit/events?after=***", 400, "invalid-request"),
                get("audit: cursor forged", "/v1/audit/events?after=djE6LTE", 400, "invalid-request"),
                get("audit: cursor SQL", "/v1/audit/events?after=1%27%20or%20%271%27=%271", 400, "invalid-request"),
                get("audit: limit zero", "/v1/audit/events?limit=0", 400, "invalid-request"),
                get("audit: limit negative", "/v1/audit/lifecycle?limit=-3", 400, "invalid-request"),
                get("audit: from not a date", "/v1/audit/events?from=yesterday", 400, "invalid-request"),
                get("audit: to without offset", "/v1/audit/lifecycle?to=2026-01-01T00:00:00", 400, "invalid-request"),
                get("audit: unknown type", "/v1/audit/events?type=tokn", 400, "invalid-request"),
                get("audit: sessionId with SQL", "/v1/audit/events?sessionId=x%27%3Bdelete%20from%20streams", 400,
                        "invalid-id"),
                get("audit: streamId with a control character", "/v1/audit/lifecycle?streamId=a%07b", 400, "invalid-id"),
                get("audit export: bad cursor", "/v1/audit/events?after=v1", 400, "invalid-request")
                        .header("Accept", "application/x-ndjson"),
                // tokens
                post("token: none", events, "{\"events\":[{\"type\":\"token\"}]}", 401, "unauthorized")
                        .authorization(null),
                post("token: not a JWT", events, "{\"events\":[{\"type\":\"token\"}]}", 401, "unauthorized")
                        .authorization("Bearer abc.def"),
                post("token: basic credentials", events, "{\"events\":[{\"type\":\"token\"}]}", 401, "unauthorized")
                        .authorization("Basic YWRtaW46YWRtaW4="),
                post("token: expired", events, "{\"events\":[{\"type\":\"token\"}]}", 401, "unauthorized")
                        .authorization("Bearer " + Tokens.expired(Tokens.TENANT_A, Roles.ADMIN)),
                post("token: forged signature", create, "{}", 401, "unauthorized")
                        .authorization("Bearer " + Tokens.forged(Tokens.TENANT_A, Roles.ADMIN)),
                post("token: alg none", create, "{}", 401, "unauthorized")
                        .authorization("Bearer " + Tokens.unsigned(Tokens.TENANT_A)),
                post("token: tampered signature", create, "{}", 401, "unauthorized")
                        .authorization("Bearer " + Tokens.tampered(Tokens.TENANT_A, Roles.ADMIN)),
                get("token: other issuer", "/v1/streams/" + LIVE, 401, "unauthorized")
                        .authorization("Bearer " + Tokens.otherIssuer(Tokens.TENANT_A, Roles.ADMIN)),
                get("token: no tenant claim", "/v1/sessions/" + SESSION, 401, "unauthorized")
                        .authorization("Bearer " + Tokens.withoutTenant(Roles.ADMIN)),
                get("token: tenant claim with SQL", "/v1/sessions/" + SESSION, 401, "unauthorized")
                        .authorization("Bearer " + Tokens.withTenant("a' or '1'='1", Roles.ADMIN)),
                get("token: none on the audit", "/v1/audit/events", 401, "unauthorized").authorization(null),
                // roles
                post("role: reader appends", events, "{\"events\":[{\"type\":\"token\"}]}", 403, "forbidden")
                        .authorization(Tokens.bearer("r", Tokens.TENANT_A, Roles.READER)),
                post("role: auditor creates", create, "{}", 403, "forbidden")
                        .authorization(Tokens.bearer("a", Tokens.TENANT_A, Roles.AUDITOR)),
                get("role: producer audits", "/v1/audit/lifecycle", 403, "forbidden")
                        .authorization(Tokens.bearer("p", Tokens.TENANT_A, Roles.PRODUCER)),
                get("role: no groups", "/v1/streams/" + LIVE, 403, "forbidden")
                        .authorization(Tokens.bearer("g", Tokens.TENANT_A)),
                // other tenants' ids
                get("tenant: another's stream", "/v1/streams/" + LIVE, 404, "not-found").authorization(OTHER_TENANT),
                get("tenant: another's events", events, 404, "not-found").authorization(OTHER_TENANT),
                get("tenant: a producer reads another's stream", "/v1/streams/" + LIVE, 404, "not-found")
                        .authorization(Tokens.bearer("p-b", Tokens.TENANT_B, Roles.PRODUCER)),
                get("tenant: another's session", "/v1/sessions/" + SESSION, 404, "not-found").authorization(OTHER_TENANT),
                post("tenant: append to another's stream", events, "{\"events\":[{\"type\":\"token\"}]}", 404,
                        "not-found").authorization(OTHER_TENANT),
                post("tenant: heartbeat another's stream", "/v1/streams/" + LIVE + "/heartbeat", "", 404, "not-found")
                        .authorization(OTHER_TENANT),
                post("tenant: create in another's session", create, "{}", 404, "not-found").authorization(OTHER_TENANT),
                get("tenant: tail another's stream", events, 404, "not-found").authorization(OTHER_TENANT)
                        .header("Accept", "text/event-stream"),
                get("tenant: tail another's session", "/v1/sessions/" + SESSION + "/events", 404, "not-found")
                        .authorization(OTHER_TENANT).header("Accept", "text/event-stream")));
        return cases.stream();
    }

    @org.junit.jupiter.api.BeforeEach
    void fixture() {
        if (db.scalarLong("select count(*) from streams where stream_id = $1", LIVE) == 0) {
            RestAssured.requestSpecification = new RequestSpecBuilder().addHeader("Authorization", ADMIN).build();
            try {
                createStream(SESSION, LIVE);
                append(LIVE, List.of(token(1, "a"), token(2, "b"))).statusCode(200);
                createStream(CLOSED_SESSION, CLOSED);
                append(CLOSED, List.of(event("stream_end", Map.of()))).statusCode(200);
            } finally {
                RestAssured.requestSpecification = null;
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void badInput_getsItsProblem_andWritesNothing(Case c) {
        Map<String, Long> before = db.rowCounts();

        RequestSpecification request = given().config(RAW).headers(c.headers());
        if (c.contentType() != null) {
            request = request.contentType(c.contentType());
        }
        if (c.name().equals("append: invalid UTF-8")) {
            byte[] prefix = "{\"events\":[{\"type\":\"token\",\"data\":{\"text\":\"".getBytes(StandardCharsets.UTF_8);
            byte[] body = new byte[prefix.length + 7];
            System.arraycopy(prefix, 0, body, 0, prefix.length);
            body[prefix.length] = (byte) 0xC3;
            body[prefix.length + 1] = (byte) 0x28;
            System.arraycopy("\"}}]}".getBytes(StandardCharsets.UTF_8), 0, body, prefix.length + 2, 5);
            request = request.body(body);
        } else if (c.body() != null) {
            request = request.body(c.body());
        }
        request.urlEncodingEnabled(false)
                .request(c.method(), c.path())
                .then()
                .statusCode(c.status())
                .contentType("application/problem+json")
                .body("type", equalTo("https://stream-journal.dev/problems/" + c.slug()))
                .body("status", equalTo(c.status()));

        assertThat(db.rowCounts()).as("row counts after %s", c.name()).isEqualTo(before);
    }
}
