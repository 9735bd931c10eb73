package dev.streamjournal.support;

import static dev.streamjournal.support.Api.event;
import static dev.streamjournal.support.Api.token;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The load the database drills run on a packaged replica while they break its database: producers that
 * append one event at a time with explicit seqs and retry each until it is acknowledged, a reader of the
 * tailed stream's status, page, settlement, held settlement (a long-poll) and session, and a tail that
 * resumes with {@code Last-Event-ID} whenever its connection ends. Every request's answer is kept as a
 * {@link Probe}, with when it started and ended.
 */
public final class DrillLoad implements AutoCloseable {

    /** A request of the load: when it started and ended ({@link System#nanoTime()}), and its answer. */
    public record Probe(long startNanos, long endNanos, String what, int status, String slug, long millis) {
    }

    public final ApiClient api;
    public final List<String> streams = new ArrayList<>();
    /** The stream the tail and the reader follow; it holds seq 1 when the load starts. */
    public final String tailed = "tailed-" + System.nanoTime();
    /** Each producer's stream and the last seq acknowledged to it. */
    public final Map<String, Integer> acknowledged = new ConcurrentHashMap<>();
    public final ConcurrentLinkedQueue<Probe> probes = new ConcurrentLinkedQueue<>();
    public final List<Integer> tailSeqs = Collections.synchronizedList(new ArrayList<>());
    public final List<String> settlements = Collections.synchronizedList(new ArrayList<>());
    public final AtomicInteger longPolls = new AtomicInteger();

    private final Replica service;
    private final String name;
    private final int producers;
    private final AtomicBoolean stopProducers = new AtomicBoolean();
    private final AtomicBoolean stopTail = new AtomicBoolean();
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<Future<?>> workers = new ArrayList<>();
    private Future<?> tail;

    public DrillLoad(Replica service, String tenant, int producers) {
        this.service = service;
        this.api = new ApiClient(service, tenant, Duration.ofSeconds(30));
        this.name = tenant;
        this.producers = producers;
    }

    /** Creates the streams and starts the load, returning once every producer has 20 acknowledged appends. */
    public void start() throws Exception {
        create(tailed);
        Http.Answer first = api.append(tailed, token(1, "before"));
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        for (int p = 0; p < producers; p++) {
            streams.add(name + "-" + p + "-" + System.nanoTime());
            create(streams.get(p));
        }
        tail = threads.submit(this::tail);
        await().atMost(Duration.ofSeconds(30)).until(() -> tailSeqs.contains(1));
        for (String stream : streams) {
            workers.add(threads.submit(() -> produce(stream)));
        }
        workers.add(threads.submit(this::read));
        awaitProgress(Map.of(), 20);
    }

    /** Waits until every producer has at least {@code more} acknowledged appends past {@code since}. */
    public void awaitProgress(Map<String, Integer> since, int more) {
        await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() == producers
                && streams.stream().allMatch(s -> acknowledged.get(s) >= since.getOrDefault(s, 0) + more));
    }

    /** Waits until {@code count} requests have started after {@code since}. */
    public void awaitProbesAfter(long since, int count) {
        await().atMost(Duration.ofSeconds(30)).until(() -> probes.stream()
                .filter(p -> p.startNanos() > since).count() >= count);
    }

    /** The requests that started after {@code from} and ended before {@code to}. */
    public List<Probe> between(long from, long to) {
        return probes.stream().filter(p -> p.startNanos() > from && p.endNanos() < to).toList();
    }

    /**
     * Ends the tailed stream (token 2, done, stream_end) and asserts that the tail, opened before the fault,
     * got every event once, in order, and the {@code restored} settlement.
     */
    public void endTailedStream(String across) throws Exception {
        Http.Answer ended = api.append(tailed, List.of(token(2, "after"), event(3, "done", Map.of()),
                event(4, "stream_end", Map.of())));
        assertThat(ended.status()).as(ended.body()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> tailSeqs.contains(4)
                && settlements.stream().anyMatch(data -> data.contains("\"restored\"")));
        assertThat(tailSeqs).as("the tail across " + across + ": no gap, no duplicate").containsExactly(1, 2, 3, 4);
    }

    /** Asserts that no request got a 500 or a broken connection; a failure quotes what the service logged. */
    public void assertNoBrokenAnswers() {
        assertThat(probes).as("no 500 and no broken connection at any time; the service logged:%n%s",
                        String.join("\n", service.logText().lines()
                                .filter(line -> line.contains(" ERROR ") || line.startsWith("\t") || line.startsWith("Caused by"))
                                .limit(60).toList()))
                .noneMatch(probe -> probe.status() == 500 || probe.status() == -1);
    }

    /** The sum of the acknowledged seqs: the appends acknowledged so far. */
    public int acknowledgedTotal() {
        return acknowledged.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** Stops the producers and the reader, and waits for them. */
    public void stopProducers() throws Exception {
        stopProducers.set(true);
        for (Future<?> worker : workers) {
            worker.get(1, TimeUnit.MINUTES);
        }
    }

    private void create(String stream) throws Exception {
        Http.Answer created = api.create(stream + "-s", stream, Map.of("leaseSeconds", 600));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
    }

    private Void produce(String stream) throws InterruptedException {
        int seq = 1;
        while (!stopProducers.get()) {
            long started = System.nanoTime();
            try {
                Http.Answer answer = api.append(stream, token(seq, String.valueOf(seq)));
                probes.add(new Probe(started, System.nanoTime(), "append", answer.status(), answer.slug(), answer.millis()));
                if (answer.status() == 200) {
                    acknowledged.put(stream, seq);
                    seq++;
                } else {
                    Thread.sleep(100);
                }
            } catch (IOException e) {
                probes.add(new Probe(started, System.nanoTime(), "append", -1, e.toString(), 0));
                Thread.sleep(100);
            }
        }
        return null;
    }

    private Void read() throws InterruptedException {
        List<String> paths = List.of("/v1/streams/" + tailed, "/v1/streams/" + tailed + "/events?after=0",
                "/v1/streams/" + tailed + "/settlement", "/v1/streams/" + tailed + "/settlement?wait=1",
                "/v1/sessions/" + tailed + "-s");
        for (int i = 0; !stopProducers.get(); i++) {
            String path = paths.get(i % paths.size());
            long started = System.nanoTime();
            try {
                Http.Answer answer = api.read(path);
                probes.add(new Probe(started, System.nanoTime(), "GET " + path, answer.status(), answer.slug(),
                        answer.millis()));
                if (path.contains("wait=") && answer.status() == 200) {
                    longPolls.incrementAndGet();
                }
            } catch (IOException e) {
                probes.add(new Probe(started, System.nanoTime(), "GET " + path, -1, e.toString(), 0));
            }
            Thread.sleep(50);
        }
        return null;
    }

    private Void tail() throws InterruptedException {
        String lastEventId = null;
        while (!stopTail.get()) {
            try (SseClient client = SseClient.open(service.uri("/v1/streams/" + tailed + "/events"), lastEventId,
                    api.readerToken())) {
                int seen = 0;
                int settled = 0;
                while (!stopTail.get()) {
                    boolean ended = client.hasEnded();
                    List<SseClient.Frame> frames = client.journalFrames();
                    for (; seen < frames.size(); seen++) {
                        tailSeqs.add(Integer.parseInt(frames.get(seen).id()));
                        lastEventId = frames.get(seen).id();
                    }
                    List<SseClient.Frame> outcomes = client.events("settlement");
                    for (; settled < outcomes.size(); settled++) {
                        settlements.add(outcomes.get(settled).data());
                    }
                    if (ended) {
                        break;
                    }
                    Thread.sleep(20);
                }
            }
            Thread.sleep(200);
        }
        return null;
    }

    @Override
    public void close() throws Exception {
        stopProducers.set(true);
        stopTail.set(true);
        threads.shutdownNow();
        threads.awaitTermination(1, TimeUnit.MINUTES);
    }
}
