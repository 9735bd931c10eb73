package dev.streamjournal.drills;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.streamjournal.embedded.EmbeddedPostgres;
import dev.streamjournal.support.Replica;
import dev.streamjournal.support.Tokens;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Durable Streams at {@code /ds} where the conformance suite does not look: idempotent producers through
 * a {@code kill -9} (nothing acknowledged lost or doubled), two replicas (a long-poll on one woken by an
 * append on the other), tenants and roles, the audit of DS appends, and subscriptions with authentication
 * on through the crash of the replica that delivered a webhook.
 */
class DurableStreamsDrillIT {

    private static final String TENANT = "ds-drill";
    private static final int PRODUCERS = 4;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Path dataDir;
    private static EmbeddedPostgres postgres;
    private static Map<String, String> env;

    @BeforeAll
    static void startDatabase() throws IOException {
        dataDir = Files.createTempDirectory("stream-journal-ds-drill-");
        postgres = EmbeddedPostgres.start(dataDir.resolve("data"), false);
        env = Replica.environment(postgres);
    }

    @AfterAll
    static void stopDatabase() {
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void killNineUnderIdempotentProducers_losesNothingAcknowledged_andDoublesNothing() throws Exception {
        Replica first = Replica.start("ds-kill-1", env);
        first.awaitReady();
        int port = first.port;
        String producerToken = Tokens.bearer("ds-writer", TENANT, "producer", "reader");
        List<String> paths = new ArrayList<>();
        for (int p = 0; p < PRODUCERS; p++) {
            String path = "drill/kill-" + p + "-" + System.nanoTime();
            assertThat(send(port, "PUT", path, producerToken, Map.of("Content-Type", "text/plain"), "").statusCode())
                    .isEqualTo(201);
            paths.add(path);
        }
        AtomicBoolean stop = new AtomicBoolean();
        Map<String, Set<Integer>> acknowledged = new ConcurrentHashMap<>();
        AtomicInteger duplicates = new AtomicInteger();
        ExecutorService producers = Executors.newFixedThreadPool(PRODUCERS);
        List<Future<?>> running = new ArrayList<>();
        for (String path : paths) {
            acknowledged.put(path, ConcurrentHashMap.newKeySet());
            running.add(producers.submit(() -> {
                for (int seq = 0; !stop.get(); seq++) {
                    // the same (producer, epoch, seq) again until it is acknowledged: a retry of what is stored is a duplicate
                    while (true) {
                        try {
                            HttpResponse<String> answer = send(port, "POST", path, producerToken, Map.of(
                                    "Content-Type", "text/plain", "Producer-Id", "writer", "Producer-Epoch", "0",
                                    "Producer-Seq", Integer.toString(seq)), "m" + seq + ";");
                            if (answer.statusCode() == 200 || answer.statusCode() == 204) {
                                if (answer.statusCode() == 204) {
                                    duplicates.incrementAndGet();
                                }
                                acknowledged.get(path).add(seq);
                                break;
                            }
                            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(503);
                        } catch (IOException e) {
                            // the replica is gone: retry once it is back
                        }
                        Thread.sleep(50);
                    }
                }
                return null;
            }));
        }
        awaitAcknowledged(acknowledged, 100);
        first.process.destroyForcibly().waitFor();
        int atKill = total(acknowledged);
        Replica second = Replica.start("ds-kill-2", env, port);
        try {
            second.awaitReady();
            awaitAcknowledged(acknowledged, atKill + 100);
            stop.set(true);
            for (Future<?> producer : running) {
                producer.get(2, TimeUnit.MINUTES);
            }
            producers.shutdown();
            for (String path : paths) {
                HttpResponse<String> read = send(port, "GET", path + "?offset=-1", producerToken, Map.of(), null);
                assertThat(read.statusCode()).isEqualTo(200);
                List<Integer> stored = new ArrayList<>();
                for (String message : read.body().split(";")) {
                    stored.add(Integer.parseInt(message.substring(1)));
                }
                Set<Integer> acked = acknowledged.get(path);
                // every message once, in producer order, with no gap: what was acknowledged and what was in flight
                assertThat(new HashSet<>(stored)).as("no message doubled in %s", path).hasSize(stored.size());
                for (int i = 0; i < stored.size(); i++) {
                    assertThat(stored.get(i)).as("message %d of %s", i, path).isEqualTo(i);
                }
                assertThat(stored).as("every acknowledged message of %s is stored", path).containsAll(acked);
            }
        } finally {
            second.close();
            first.close();
        }
    }

    @Test
    void twoReplicas_tenants_roles_andTheAudit() throws Exception {
        Replica a = Replica.start("ds-a", env);
        Replica b = Replica.start("ds-b", env);
        try {
            a.awaitReady();
            b.awaitReady();
            String writer = Tokens.bearer("ds-writer", Tokens.TENANT_A, "producer", "reader");
            String path = "chats/" + System.nanoTime();
            HttpResponse<String> created = send(a.port, "PUT", path, writer, Map.of("Content-Type", "application/json"), "[]");
            assertThat(created.statusCode()).isEqualTo(201);
            String tail = created.headers().firstValue("Stream-Next-Offset").orElseThrow();

            // a long-poll on replica b at the tail is answered by an append on replica a
            CompletableFuture<HttpResponse<String>> poll = sendAsync(b.port, "GET",
                    path + "?offset=" + tail + "&live=long-poll", writer);
            await().atMost(Duration.ofSeconds(10)).until(() -> send(b.port, "GET", "/q/metrics", null).body()
                    .lines().anyMatch(line -> line.startsWith("journal_ds_live_readers ") && !line.endsWith(" 0.0")));
            HttpResponse<String> appended = send(a.port, "POST", path, writer, Map.of("Content-Type", "application/json",
                    "Producer-Id", "p1", "Producer-Epoch", "0", "Producer-Seq", "0"), "[{\"n\":1},{\"n\":2}]");
            assertThat(appended.statusCode()).isEqualTo(200);
            HttpResponse<String> woke = poll.get(30, TimeUnit.SECONDS);
            assertThat(woke.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(woke.body())).isEqualTo(JSON.readTree("[{\"n\":1},{\"n\":2}]"));
            assertThat(woke.headers().firstValue("Stream-Next-Offset"))
                    .contains(appended.headers().firstValue("Stream-Next-Offset").orElseThrow());

            // the same path in another tenant is another stream; without the role, nothing is written
            String otherTenant = Tokens.bearer("ds-other", Tokens.TENANT_B, "producer", "reader");
            assertThat(send(b.port, "GET", path + "?offset=-1", otherTenant, Map.of(), null).statusCode()).isEqualTo(404);
            assertThat(send(b.port, "PUT", path, otherTenant, Map.of("Content-Type", "text/plain"), "b's").statusCode())
                    .isEqualTo(201);
            assertThat(send(a.port, "GET", path + "?offset=-1", otherTenant, Map.of(), null).body()).isEqualTo("b's");
            String readerOnly = Tokens.bearer("ds-reader", Tokens.TENANT_A, "reader");
            HttpResponse<String> refused = send(a.port, "POST", path, readerOnly, Map.of("Content-Type", "application/json"),
                    "{\"n\":3}");
            assertThat(refused.statusCode()).isEqualTo(403);
            assertThat(refused.headers().firstValue("Content-Type")).contains("application/problem+json");
            assertThat(send(a.port, "GET", path + "?offset=-1", null, Map.of(), null).statusCode()).isEqualTo(401);
            assertThat(JSON.readTree(send(b.port, "GET", path + "?offset=-1", writer, Map.of(), null).body()))
                    .isEqualTo(JSON.readTree("[{\"n\":1},{\"n\":2}]"));

            // the audit holds the append, with its producer and the writer's principal, in its tenant only
            String auditor = Tokens.bearer("ds-auditor", Tokens.TENANT_A, "auditor");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                JsonNode events = JSON.readTree(send(b.port, "GET", "/v1/audit/events?type=ds&limit=1000", auditor)
                        .body()).path("events");
                List<JsonNode> ours = new ArrayList<>();
                events.forEach(event -> {
                    if ("p1".equals(event.path("data").path("producer").asText())) {
                        ours.add(event);
                    }
                });
                assertThat(ours).hasSize(1);
                assertThat(ours.get(0).path("principal").asText()).isEqualTo("ds-writer");
                assertThat(ours.get(0).path("data").path("bytes").asInt()).isEqualTo("{\"n\":1},{\"n\":2}".length());
            });
            String otherAuditor = Tokens.bearer("ds-auditor", Tokens.TENANT_B, "auditor");
            JsonNode theirs = JSON.readTree(send(b.port, "GET", "/v1/audit/events?type=ds&limit=1000", otherAuditor).body());
            theirs.path("events").forEach(event -> assertThat(event.path("data").path("producer").asText()).isNotEqualTo("p1"));
        } finally {
            b.close();
            a.close();
        }
    }

    /**
     * Subscriptions with authentication on, over two replicas: roles and tenants apply to them as to paths;
     * the replica that delivered a webhook is killed with the wake in flight, and the other replica's sweep
     * re-wakes it as the next generation when its lease ends; the callback to the survivor acks the work.
     */
    @Test
    void subscriptions_withTenantsAndRoles_survive_theDeliveringReplicasSigkill() throws Exception {
        Map<String, String> hooks = new HashMap<>(env);
        hooks.put("JOURNAL_DS_SUBSCRIPTIONS_ALLOW_LOOPBACK_HTTP", "true");
        hooks.put("JOURNAL_DS_SUBSCRIPTIONS_DELIVERY_TIMEOUT", "2s");
        List<JsonNode> deliveries = new CopyOnWriteArrayList<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/hook", exchange -> {
            deliveries.add(JSON.readTree(exchange.getRequestBody()));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        receiver.start();
        Replica a = Replica.start("ds-sub-a", hooks);
        Replica b = Replica.start("ds-sub-b", hooks);
        try {
            a.awaitReady();
            b.awaitReady();
            String producer = Tokens.bearer("ds-sub-writer", Tokens.TENANT_A, "producer", "reader");
            String readerOnly = Tokens.bearer("ds-sub-reader", Tokens.TENANT_A, "reader");
            String otherTenant = Tokens.bearer("ds-sub-other", Tokens.TENANT_B, "producer", "reader");
            String prefix = "hooks-" + System.nanoTime();
            String subscription = "__ds/subscriptions/indexer-" + System.nanoTime();
            String config = "{\"type\":\"webhook\",\"pattern\":\"" + prefix + "/*\",\"lease_ttl_ms\":10000,"
                    + "\"webhook\":{\"url\":\"http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook\"}}";
            Map<String, String> json = Map.of("Content-Type", "application/json");

            HttpResponse<String> refused = send(a.port, "PUT", subscription, readerOnly, json, config);
            assertThat(refused.statusCode()).isEqualTo(403);
            assertThat(refused.headers().firstValue("Content-Type")).contains("application/problem+json");
            assertThat(send(a.port, "PUT", subscription, null, json, config).statusCode()).isEqualTo(401);
            assertThat(send(a.port, "PUT", subscription, producer, json, config).statusCode()).isEqualTo(201);
            assertThat(send(b.port, "GET", subscription, readerOnly).statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(send(b.port, "GET", subscription, otherTenant).body()).path("error").path("code")
                    .asText()).isEqualTo("SUBSCRIPTION_NOT_FOUND");

            // another tenant's path of the same name is not this subscription's
            assertThat(send(b.port, "PUT", prefix + "/chat", otherTenant, json, "{\"theirs\":1}").statusCode())
                    .isEqualTo(201);
            // the append commits on replica a, which matches it and delivers generation 1
            assertThat(send(a.port, "PUT", prefix + "/chat", producer, json, "{\"ours\":1}").statusCode())
                    .isEqualTo(201);
            await().atMost(Duration.ofSeconds(30)).until(() -> deliveries.size() >= 1);
            a.process.destroyForcibly().waitFor();

            // the wake's lease ends with nobody to call back; replica b's sweep wakes generation 2
            await().atMost(Duration.ofSeconds(60)).until(() -> deliveries.stream()
                    .anyMatch(delivery -> delivery.path("generation").asLong() == 2));
            JsonNode second = deliveries.stream().filter(delivery -> delivery.path("generation").asLong() == 2)
                    .findFirst().orElseThrow();
            assertThat(deliveries).allSatisfy(delivery -> {
                assertThat(delivery.path("streams")).hasSize(1);
                assertThat(delivery.path("streams").get(0).path("path").asText()).isEqualTo(prefix + "/chat");
            });
            String tail = second.path("streams").get(0).path("tail_offset").asText();
            String callback = "{\"wake_id\":\"" + second.path("wake_id").asText() + "\",\"generation\":2,\"done\":true,"
                    + "\"acks\":[{\"stream\":\"" + prefix + "/chat\",\"offset\":\"" + tail + "\"}]}";
            String callbackPath = URI.create(second.path("callback_url").asText()).getPath();
            HttpResponse<String> acked = send(b.port, "POST", callbackPath,
                    "Bearer " + second.path("callback_token").asText(), json, callback);
            assertThat(acked.statusCode()).as(acked.body()).isEqualTo(200);
            JsonNode state = JSON.readTree(send(b.port, "GET", subscription, readerOnly).body());
            assertThat(state.path("streams").get(0).path("acked_offset").asText()).isEqualTo(tail);
            assertThat(send(b.port, "DELETE", subscription, readerOnly).statusCode()).isEqualTo(403);
            assertThat(send(b.port, "DELETE", subscription, producer).statusCode()).isEqualTo(204);
        } finally {
            receiver.stop(0);
            b.close();
            a.close();
        }
    }

    private static void awaitAcknowledged(Map<String, Set<Integer>> acknowledged, int count) {
        await().atMost(Duration.ofMinutes(2)).until(() -> total(acknowledged) >= count);
    }

    private static int total(Map<String, Set<Integer>> acknowledged) {
        return acknowledged.values().stream().mapToInt(Set::size).sum();
    }

    private static HttpRequest.Builder request(int port, String method, String path, String token,
            Map<String, String> headers, String body) {
        String target = path.startsWith("/") ? path : "/ds/v1/stream/" + path;
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + target))
                .timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (token != null) {
            builder.header("Authorization", token);
        }
        headers.forEach(builder::header);
        return builder;
    }

    private static HttpResponse<String> send(int port, String method, String path, String token,
            Map<String, String> headers, String body) throws IOException, InterruptedException {
        return HTTP.send(request(port, method, path, token, headers, body).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> send(int port, String method, String path, String token)
            throws IOException, InterruptedException {
        return send(port, method, path, token, Map.of(), null);
    }

    private static CompletableFuture<HttpResponse<String>> sendAsync(int port, String method, String path, String token) {
        return HTTP.sendAsync(request(port, method, path, token, Map.of(), null).build(), HttpResponse.BodyHandlers.ofString());
    }
}
