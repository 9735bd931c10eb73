package dev.streamjournal.drills;

import static dev.streamjournal.support.Api.event;
import static dev.streamjournal.support.Api.token;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamjournal.security.Roles;
import dev.streamjournal.support.ApiClient;
import dev.streamjournal.support.Http;
import dev.streamjournal.support.PostgresResource;
import dev.streamjournal.support.Replica;
import dev.streamjournal.support.Tokens;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Over a thousand random client disconnects during fast appends: clients of the stream tail (resuming
 * by {@code Last-Event-ID} or by {@code after}, at random), of the session channel over SSE and over
 * WebSocket each drop their connection after a random number of events and resume from the last event
 * they took. Every client ends with every seq exactly once, in order, and with its {@code restored}
 * settlement.
 */
class ReconnectDrillIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final String TENANT = "reconnect";
    private static final String READER = Tokens.bearer("reader", TENANT, Roles.READER);
    private static final int STREAMS = 10;
    private static final int TOKENS = 300;
    /** The tokens, then {@code done} and {@code stream_end}. */
    private static final int EVENTS = TOKENS + 2;
    private static final int MOST_EVENTS_PER_CONNECTION = 20;

    private static final PostgresResource POSTGRES = new PostgresResource();
    private static Replica service;
    private static ApiClient api;
    /** The streams whose producer is still appending. */
    private static final Set<String> producing = ConcurrentHashMap.newKeySet();

    @BeforeAll
    static void start() throws IOException {
        service = Replica.start("reconnect", Replica.environment(POSTGRES.start()));
        service.awaitReady();
        api = new ApiClient(service, TENANT, Duration.ofSeconds(30));
    }

    @AfterAll
    static void stop() throws IOException {
        if (service != null) {
            service.close();
        }
        POSTGRES.stop();
    }

    private enum Kind { STREAM_TAIL, SESSION_SSE, SESSION_WEBSOCKET }

    /** One client: what it took over all its connections. */
    private static final class Client {
        final String stream;
        final Kind kind;
        final List<Integer> seqs = new ArrayList<>();
        final List<String> outcomes = new ArrayList<>();
        int connections;
        boolean ended;

        Client(String stream, Kind kind) {
            this.stream = stream;
            this.kind = kind;
        }

        int cursor() {
            return seqs.isEmpty() ? 0 : seqs.get(seqs.size() - 1);
        }

        /** Takes one frame: a journal event of its stream adds its seq, a settlement its outcome. */
        void take(String event, String id, String data) {
            if ("settlement".equals(event)) {
                outcomes.add(json(data).path("outcome").asText());
                return;
            }
            if (id == null || "stream_started".equals(event)) {
                return;
            }
            int colon = id.lastIndexOf(':');
            if (colon >= 0 && !id.substring(0, colon).equals(stream)) {
                return;
            }
            seqs.add(Integer.parseInt(id.substring(colon + 1)));
            ended |= "stream_end".equals(event);
        }
    }

    @Test
    void aThousandRandomDisconnects_duringFastAppends_loseAndRepeatNothing() throws Exception {
        List<String> streams = new ArrayList<>();
        for (int i = 0; i < STREAMS; i++) {
            String stream = "rc-" + i + "-" + System.nanoTime();
            Http.Answer created = api.create(stream + "-s", stream);
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            streams.add(stream);
        }
        List<Client> clients = new ArrayList<>();
        for (String stream : streams) {
            for (Kind kind : Kind.values()) {
                clients.add(new Client(stream, kind));
            }
            clients.add(new Client(stream, Kind.STREAM_TAIL));
        }

        ExecutorService threads = Executors.newFixedThreadPool(STREAMS + clients.size());
        List<Future<?>> work = new ArrayList<>();
        producing.addAll(streams);
        for (String stream : streams) {
            work.add(threads.submit(() -> produce(stream)));
        }
        AtomicInteger disconnects = new AtomicInteger();
        AtomicInteger duringAppends = new AtomicInteger();
        for (Client client : clients) {
            work.add(threads.submit(() -> follow(client, disconnects, duringAppends)));
        }
        for (Future<?> task : work) {
            task.get(5, TimeUnit.MINUTES);
        }
        threads.shutdown();

        List<Integer> all = IntStream.rangeClosed(1, EVENTS).boxed().toList();
        assertThat(clients).allSatisfy(client -> {
            assertThat(client.seqs).as("%s of %s", client.kind, client.stream).containsExactlyElementsOf(all);
            assertThat(client.outcomes).as("%s of %s", client.kind, client.stream).isNotEmpty().containsOnly("restored");
        });
        assertThat(disconnects.get()).as("client disconnects").isGreaterThanOrEqualTo(1000);
        assertThat(duringAppends.get()).as("disconnects while their stream was being appended to").isGreaterThanOrEqualTo(300);
        int connections = clients.stream().mapToInt(client -> client.connections).sum();
        Files.writeString(Path.of("target", "reconnect-drill.txt"), String.format(
                "clients: %d (stream tail, session SSE, session WebSocket)%nconnections: %d%nrandom disconnects: %d (%d while"
                        + " their stream was being appended to)%n"
                        + "events checked: %d, gaps: 0, duplicates: 0%n",
                clients.size(), connections, disconnects.get(), duringAppends.get(), clients.size() * EVENTS));
    }

    /** Appends the tokens in random batches as fast as they are acknowledged, then {@code done} and {@code stream_end}. */
    private static Void produce(String stream) throws Exception {
        int seq = 1;
        while (seq <= TOKENS) {
            int size = Math.min(ThreadLocalRandom.current().nextInt(1, 6), TOKENS - seq + 1);
            List<Map<String, Object>> events = new ArrayList<>();
            for (int i = 0; i < size; i++) {
                events.add(token(seq + i, "t" + (seq + i) + " "));
            }
            appendOrFail(stream, events);
            seq += size;
            Thread.sleep(20);
        }
        appendOrFail(stream, List.of(event(TOKENS + 1, "done", Map.of())));
        appendOrFail(stream, List.of(event(TOKENS + 2, "stream_end", Map.of())));
        producing.remove(stream);
        return null;
    }

    private static void appendOrFail(String stream, List<Map<String, Object>> events) throws Exception {
        Http.Answer answer = api.append(stream, events);
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
    }

    /** Connects, takes a random number of events, drops the connection, resumes; until {@code stream_end}. */
    private static Void follow(Client client, AtomicInteger disconnects, AtomicInteger duringAppends) throws Exception {
        while (!client.ended) {
            int quota = ThreadLocalRandom.current().nextInt(1, MOST_EVENTS_PER_CONNECTION + 1);
            client.connections++;
            boolean cut = client.kind == Kind.SESSION_WEBSOCKET ? overWebSocket(client, quota) : overSse(client, quota);
            if (cut) {
                disconnects.incrementAndGet();
                if (producing.contains(client.stream)) {
                    duringAppends.incrementAndGet();
                }
            }
        }
        return null;
    }

    /** One SSE connection; true when the client dropped it (rather than the server ending it). */
    private static boolean overSse(Client client, int quota) throws Exception {
        String path;
        String lastEventId = null;
        if (client.kind == Kind.STREAM_TAIL) {
            boolean byQuery = ThreadLocalRandom.current().nextBoolean();
            path = "/v1/streams/" + client.stream + "/events" + (byQuery ? "?after=" + client.cursor() : "");
            lastEventId = byQuery || client.seqs.isEmpty() ? null : String.valueOf(client.cursor());
        } else {
            path = "/v1/sessions/" + client.stream + "-s/events";
            lastEventId = client.seqs.isEmpty() ? null : client.stream + ":" + client.cursor();
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(service.uri(path)).header("Accept", "text/event-stream")
                .header("Authorization", READER).timeout(Duration.ofSeconds(60));
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        HttpResponse<InputStream> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        int taken = 0;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String event = null;
            String id = null;
            StringBuilder data = new StringBuilder();
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (line.isEmpty()) {
                    int before = client.seqs.size();
                    client.take(event, id, data.toString());
                    taken += client.seqs.size() - before;
                    event = null;
                    id = null;
                    data.setLength(0);
                    if (client.ended) {
                        return false;
                    }
                    if (taken >= quota) {
                        return true;
                    }
                } else if (line.startsWith("event: ")) {
                    event = line.substring(7);
                } else if (line.startsWith("id: ")) {
                    id = line.substring(4);
                } else if (line.startsWith("data: ")) {
                    data.append(line.substring(6));
                }
            }
        }
        return false;
    }

    /** One WebSocket connection of the session channel; true when the client dropped it. */
    private static boolean overWebSocket(Client client, int quota) throws Exception {
        String cursor = client.seqs.isEmpty() ? ""
                : "?lastEventId=" + URLEncoder.encode(client.stream + ":" + client.cursor(), StandardCharsets.UTF_8);
        URI uri = URI.create("ws://localhost:" + service.port + "/v1/sessions/" + client.stream + "-s/live" + cursor);
        BlockingQueue<String> messages = new LinkedBlockingQueue<>();
        WebSocket socket = HTTP.newWebSocketBuilder().header("Authorization", READER)
                .buildAsync(uri, new WebSocket.Listener() {
                    private final StringBuilder partial = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket webSocket, CharSequence text, boolean last) {
                        partial.append(text);
                        if (last) {
                            messages.add(partial.toString());
                            partial.setLength(0);
                        }
                        webSocket.request(1);
                        return null;
                    }
                }).get(30, TimeUnit.SECONDS);
        int taken = 0;
        try {
            while (true) {
                String text = messages.poll(60, TimeUnit.SECONDS);
                assertThat(text).as("a message within 60 s on %s", client.stream).isNotNull();
                JsonNode message = json(text);
                int before = client.seqs.size();
                client.take(message.path("event").asText(), message.hasNonNull("id") ? message.get("id").asText() : null,
                        message.path("data").toString());
                taken += client.seqs.size() - before;
                if (client.ended) {
                    return false;
                }
                if (taken >= quota) {
                    return true;
                }
            }
        } finally {
            socket.abort();
        }
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
