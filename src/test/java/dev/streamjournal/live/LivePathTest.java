package dev.streamjournal.live;

import static dev.streamjournal.support.Api.append;
import static dev.streamjournal.support.Api.createStream;
import static dev.streamjournal.support.Api.event;
import static dev.streamjournal.support.Api.id;
import static dev.streamjournal.support.Api.token;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamjournal.support.Db;
import dev.streamjournal.support.SilentListenProxy;
import dev.streamjournal.support.SilentProxy;
import dev.streamjournal.support.SseClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The live path's costs and its wake-up channel (the bench measures them in database transactions), with short keep-alives and a LISTEN connection that
 * runs through a proxy the test can silence: one journal read per change of a stream however many
 * subscribers follow it, no database work for idle subscribers, and a deaf LISTEN connection replaced.
 */
@QuarkusTest
@TestProfile(LivePathTest.Tight.class)
class LivePathTest {

    public static class Tight implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("journal.live.keep-alive", "300ms",
                    "journal.live.listen-check-interval", "500ms",
                    "journal.live.listen-check-timeout", "3s");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(SilentListenProxy.class));
        }
    }

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final int SUBSCRIBERS = 200;

    @TestHTTPResource("/")
    URI base;

    @Inject
    Db db;

    @Inject
    MeterRegistry metrics;

    @Inject
    JournalListener listener;

    SilentProxy proxy;

    private URI tail(String stream) {
        return base.resolve("/v1/streams/" + stream + "/events");
    }

    private double counter(String name) {
        return metrics.counter(name).count();
    }

    private static void awaitAll(List<SseClient> clients, String id) {
        await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(20))
                .until(() -> clients.stream().allMatch(client -> client.frames().stream().anyMatch(f -> id.equals(f.id()))));
    }

    @Test
    void manySubscribers_costNoReadPerSubscriber_andNothingWhileIdle() {
        String stream = id("st");
        createStream(id("s"), stream);
        append(stream, List.of(token("t1"))).statusCode(200);
        List<SseClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < SUBSCRIBERS; i++) {
                clients.add(SseClient.open(tail(stream), null));
            }
            awaitAll(clients, "1");

            double feedReads = counter("journal.live.feed.reads");
            double catchUpReads = counter("journal.live.catchup.reads");
            // every subscriber idles through three keep-alives
            await().atMost(TIMEOUT).until(() -> clients.stream().allMatch(client -> client.frames().stream()
                    .filter(f -> "keep-alive".equals(f.comment())).count() >= 3));
            assertThat(counter("journal.live.feed.reads")).as("feed reads while idle").isEqualTo(feedReads);
            assertThat(counter("journal.live.catchup.reads")).as("subscriber reads while idle").isEqualTo(catchUpReads);

            int appends = 10;
            for (int seq = 2; seq <= appends + 1; seq++) {
                append(stream, List.of(token("t" + seq))).statusCode(200);
                awaitAll(clients, String.valueOf(seq));
            }
            append(stream, List.of(event("done", Map.of()), event("stream_end", Map.of()))).statusCode(200);
            await().atMost(TIMEOUT).until(() -> clients.stream().allMatch(SseClient::hasEnded));
            for (SseClient client : clients) {
                assertThat(client.events("settlement")).hasSize(1);
                assertThat(client.journalFrames()).extracting(SseClient.Frame::id)
                        .isEqualTo(java.util.stream.IntStream.rangeClosed(1, appends + 3).mapToObj(String::valueOf).toList());
            }
            // this replica's own content appends hand their stored events to the feed; only the terminal
            // batch (its page and its decision) is read, once for all subscribers
            assertThat(counter("journal.live.feed.reads") - feedReads).as("feed reads for %d appends", appends + 1)
                    .isLessThanOrEqualTo(2.0);
            assertThat(counter("journal.live.catchup.reads")).as("live subscribers never read for themselves")
                    .isEqualTo(catchUpReads);
        } finally {
            clients.forEach(SseClient::close);
        }
    }

    @Test
    void aListenConnectionThatGoesSilent_isReplaced_andWhatWasMissedArrives() {
        String session = id("s");
        String stream = id("st");
        createStream(session, stream);
        try (SseClient client = SseClient.open(tail(stream), null)) {
            client.await(f -> f.retry() != null, TIMEOUT);
            int subscriptions = listener.subscriptions();
            await().atMost(TIMEOUT).until(() -> proxy.openConnections() >= 1);

            proxy.silence();
            // another replica's append and its doorbell, which the silent connection never hears
            db.appendAsAnotherReplica(session, stream, 1, "while deaf");
            db.ringAsAnotherReplica(session, stream, 1);

            await().atMost(TIMEOUT).until(() -> listener.subscriptions() > subscriptions);
            client.await(f -> "1".equals(f.id()), TIMEOUT);
        }
    }
}
