package dev.streamjournal.support;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.awaitility.Awaitility;

/** A real SSE connection read line by line ({@code java.net.http}), collecting parsed frames. */
public final class SseClient implements AutoCloseable {

    /** One SSE frame; {@code comment} holds comment lines. */
    public record Frame(String id, String event, String data, String comment, String retry) {
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private final List<Frame> frames = new CopyOnWriteArrayList<>();
    private final CompletableFuture<HttpResponse<Stream<String>>> response;
    private final CompletableFuture<Void> ended = new CompletableFuture<>();
    private volatile int status;
    private volatile HttpResponse<Stream<String>> headers;

    private SseClient(HttpRequest request) {
        response = HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofLines());
        response.thenAcceptAsync(r -> {
            status = r.statusCode();
            headers = r;
            try (Stream<String> lines = r.body()) {
                parse(lines);
            } catch (RuntimeException e) {
                // the connection was closed by this client
            }
            ended.complete(null);
        }).exceptionally(failure -> {
            ended.complete(null);
            return null;
        });
    }

    public static SseClient open(URI uri, String lastEventId) {
        return open(uri, lastEventId, null);
    }

    /** Opens the channel with an {@code Authorization} header when {@code authorization} is not null. */
    public static SseClient open(URI uri, String lastEventId, String authorization) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).header("Accept", "text/event-stream").GET();
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return new SseClient(request.build());
    }

    private void parse(Stream<String> lines) {
        String id = null;
        String event = null;
        String retry = null;
        StringBuilder data = null;
        StringBuilder comment = null;
        for (String line : (Iterable<String>) lines::iterator) {
            if (line.isEmpty()) {
                if (id != null || event != null || data != null || comment != null || retry != null) {
                    frames.add(new Frame(id, event, data == null ? null : data.toString(),
                            comment == null ? null : comment.toString(), retry));
                }
                id = event = retry = null;
                data = comment = null;
                continue;
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            switch (field) {
                case "" -> comment = comment == null ? new StringBuilder(value) : comment.append('\n').append(value);
                case "id" -> id = value;
                case "event" -> event = value;
                case "retry" -> retry = value;
                case "data" -> data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                default -> {
                }
            }
        }
    }

    /** The frames so far. */
    public List<Frame> frames() {
        return new ArrayList<>(frames);
    }

    public List<Frame> events(String event) {
        return frames.stream().filter(f -> event.equals(f.event())).toList();
    }

    /** The journal frames (everything with an id), in order. */
    public List<Frame> journalFrames() {
        return frames.stream().filter(f -> f.id() != null && !"stream_started".equals(f.event())).toList();
    }

    public int status() {
        awaitConnected();
        return status;
    }

    public String header(String name) {
        awaitConnected();
        return headers.headers().firstValue(name).orElse(null);
    }

    public void awaitConnected() {
        response.orTimeout(30, TimeUnit.SECONDS).join();
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> headers != null);
    }

    /** Waits until some frame matches. */
    public Frame await(Predicate<Frame> predicate, Duration timeout) {
        Awaitility.await().atMost(timeout).until(() -> frames.stream().anyMatch(predicate));
        return frames.stream().filter(predicate).findFirst().orElseThrow();
    }

    /** Waits until the server ends the response. */
    public void awaitEnd(Duration timeout) {
        ended.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).join();
    }

    public boolean hasConnected() {
        return headers != null;
    }

    public boolean hasEnded() {
        return ended.isDone();
    }

    @Override
    public void close() {
        response.cancel(true);
        response.thenAccept(r -> r.body().close());
    }
}
