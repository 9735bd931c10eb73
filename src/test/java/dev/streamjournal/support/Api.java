package dev.streamjournal.support;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Short REST Assured calls for the producer flow, and the events that the tests' bodies are built of. */
public final class Api {

    private Api() {
    }

    public static String id(String prefix) {
        return prefix + "-" + UUID.randomUUID();
    }

    public static ValidatableResponse create(String sessionId, Map<String, Object> body) {
        return given().contentType(ContentType.JSON).body(body)
                .post("/v1/sessions/{sessionId}/streams", sessionId).then();
    }

    /** Creates a stream with a user message and returns nothing; fails the test unless 201. */
    public static void createStream(String sessionId, String streamId) {
        create(sessionId, Map.of("streamId", streamId, "userMessage", Map.of("content", "hello")))
                .statusCode(201);
    }

    public static ValidatableResponse append(String streamId, List<Map<String, Object>> events) {
        return given().contentType(ContentType.JSON).body(Map.of("events", events))
                .post("/v1/streams/{streamId}/events", streamId).then();
    }

    public static ValidatableResponse appendRaw(String streamId, String body) {
        return given().contentType(ContentType.JSON).body(body)
                .post("/v1/streams/{streamId}/events", streamId).then();
    }

    public static Map<String, Object> event(String type) {
        return Map.of("type", type);
    }

    public static Map<String, Object> event(String type, Map<String, Object> data) {
        return Map.of("type", type, "data", data);
    }

    public static Map<String, Object> event(long seq, String type, Map<String, Object> data) {
        return Map.of("seq", seq, "type", type, "data", data);
    }

    public static Map<String, Object> token(String text) {
        return event("token", Map.of("text", text));
    }

    public static Map<String, Object> token(long seq, String text) {
        return event(seq, "token", Map.of("text", text));
    }
}
