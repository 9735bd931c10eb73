package dev.streamjournal.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Plain HTTP calls of the drills, with a deadline on each, and what came back. */
public final class Http {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    private Http() {
    }

    /** An answer and how long it took, from sending to the whole body. */
    public record Answer(int status, String body, long millis) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** The slug of a problem document's {@code type}, or "" for another body. */
        public String slug() {
            String type = status >= 400 ? json().path("type").asText() : "";
            return type.substring(type.lastIndexOf('/') + 1);
        }
    }

    public static Answer post(URI uri, String authorization, String json, Duration timeout)
            throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)), authorization, timeout);
    }

    public static Answer get(URI uri, String authorization, Duration timeout) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri).GET(), authorization, timeout);
    }

    private static Answer send(HttpRequest.Builder request, String authorization, Duration timeout)
            throws IOException, InterruptedException {
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        long start = System.nanoTime();
        HttpResponse<String> response = CLIENT.send(request.timeout(timeout).build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), response.body(), (System.nanoTime() - start) / 1_000_000);
    }
}
