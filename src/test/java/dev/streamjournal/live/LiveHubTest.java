package dev.streamjournal.live;

import static dev.streamjournal.support.Api.id;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The hub's registry under concurrent subscribe and unsubscribe; the wait of its signals. */
@QuarkusTest
class LiveHubTest {

    @Inject
    LiveHub hub;

    @Inject
    Vertx vertx;

    @Test
    void subscribersJoiningAndLeavingOneSession_atOnce_neverJoinAFeedTheHubDropped() throws Exception {
        String session = id("s");
        int threads = 8;
        int rounds = 5_000;
        AtomicInteger orphans = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                running.add(pool.submit(() -> {
                    for (int i = 0; i < rounds; i++) {
                        try (LiveHub.Watch watch = hub.watch(session, "default", false)) {
                            if (!hub.routesTo(watch)) {
                                orphans.incrementAndGet();
                            }
                        }
                    }
                }));
            }
            for (Future<?> task : running) {
                task.get(2, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(orphans.get()).as("watches whose session feed the hub no longer routes to").isZero();
        assertThat(hub.follows(session)).as("the feed is dropped once the last watch is gone").isFalse();
    }

    @Test
    void aWaitOfLessThanAMillisecondEndsAsATimeout() throws Exception {
        // a long-poll woken in its last millisecond waits out the rest: on an event loop Vert.x refuses a
        // timer under 1 ms, which left such a long-poll without an answer
        Signal signal = new Signal();
        for (long nanos : new long[] {1, 999_999}) {
            CompletableFuture<Boolean> answer = new CompletableFuture<>();
            vertx.getOrCreateContext().runOnContext(ignored -> signal.awaitChange(signal.version(), Duration.ofNanos(nanos))
                    .subscribe().with(answer::complete, answer::completeExceptionally));
            assertThat(answer.get(5, TimeUnit.SECONDS)).isFalse();
        }
    }
}
