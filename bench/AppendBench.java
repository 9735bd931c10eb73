import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Load generator for the append path: P producers, each on its own stream, append token batches of
 * size B for D seconds. Batch size 1 is the baseline; other sizes are reported as ratios to it, all
 * measured in the same run against the same server.
 *
 * Usage: java bench/AppendBench.java BASE_URL SECONDS PRODUCERS OUTPUT.md BATCH...
 */
public class AppendBench {

    record Result(String name, int batch, long requests, long events, double seconds, long[] latenciesMicros) {
        double eventsPerSecond() {
            return events / seconds;
        }

        double requestsPerSecond() {
            return requests / seconds;
        }

        long percentile(double p) {
            if (latenciesMicros.length == 0) {
                return 0;
            }
            return latenciesMicros[(int) Math.min(latenciesMicros.length - 1, Math.floor(p * latenciesMicros.length))];
        }
    }

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    public static void main(String[] args) throws Exception {
        String base = args[0];
        int seconds = Integer.parseInt(args[1]);
        int producers = Integer.parseInt(args[2]);
        Path output = Path.of(args[3]);
        List<Integer> batches = new ArrayList<>();
        for (int i = 4; i < args.length; i++) {
            batches.add(Integer.parseInt(args[i]));
        }

        for (int batch : batches) {
            run(base, "warm-up", batch, Math.max(2, seconds / 3), producers);
        }
        List<Result> results = new ArrayList<>();
        for (int batch : batches) {
            results.add(run(base, "append", batch, seconds, producers));
        }
        Result anonymousReads = runStatusReads(base, "status read", seconds, producers, null);
        results.add(anonymousReads);
        String token = System.getenv("BENCH_TOKEN");
        Result tokenReads = token == null ? null
                : runStatusReads(base, "status read, bearer JWT", seconds, producers, "Bearer " + token);
        if (tokenReads != null) {
            results.add(tokenReads);
        }

        Result baseline = results.get(0);
        StringBuilder report = new StringBuilder();
        report.append("# Append benchmark\n\n")
                .append("- date: ").append(Instant.now()).append('\n')
                .append("- producers: ").append(producers).append(" (each on its own session and stream)\n")
                .append("- seconds per scenario: ").append(seconds).append('\n')
                .append("- machine: ").append(Runtime.getRuntime().availableProcessors()).append(" cores, ")
                .append(System.getProperty("os.name")).append(", Java ").append(System.getProperty("java.version")).append('\n')
                .append("- server: the packaged service on an embedded PostgreSQL 14 (fsync on), same machine\n")
                .append("- baseline: one event per request; ratios compare events/s with it, measured in the same run\n")
                .append("- status read: GET /v1/streams/{id} by the same number of clients; with a bearer JWT (RS256)\n")
                .append("  the same read with its signature, issuer and expiry verified on every request\n\n")
                .append("| scenario | batch | requests/s | events/s | events/s ratio | p50 ms | p99 ms |\n")
                .append("|---|---|---|---|---|---|---|\n");
        for (Result r : results) {
            boolean append = r.batch() > 0;
            report.append(String.format(Locale.ROOT, "| %s | %s | %.0f | %s | %s | %.2f | %.2f |%n",
                    r.name(), append ? String.valueOf(r.batch()) : "-", r.requestsPerSecond(),
                    append ? String.format(Locale.ROOT, "%.0f", r.eventsPerSecond()) : "-",
                    append ? String.format(Locale.ROOT, "%.2f", r.eventsPerSecond() / baseline.eventsPerSecond()) : "-",
                    r.percentile(0.5) / 1000.0, r.percentile(0.99) / 1000.0));
        }
        if (tokenReads != null) {
            report.append(String.format(Locale.ROOT, "%nStatus reads with a bearer JWT run at %.2f of the rate without one "
                    + "(p50 %.2f ms against %.2f ms).%n", tokenReads.requestsPerSecond() / anonymousReads.requestsPerSecond(),
                    tokenReads.percentile(0.5) / 1000.0, anonymousReads.percentile(0.5) / 1000.0));
        }
        Files.writeString(output, report);
        System.out.print(report);
    }

    /** Runs {@code worker} on {@code clients} threads until the deadline; each returns its request latencies. */
    static Result measure(String name, int batch, int seconds, int clients, Worker worker) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        long started = System.nanoTime();
        List<Future<long[]>> futures = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            futures.add(pool.submit(() -> worker.run(deadline)));
        }
        List<long[]> all = new ArrayList<>();
        long requests = 0;
        for (Future<long[]> future : futures) {
            long[] latencies = future.get();
            requests += latencies.length;
            all.add(latencies);
        }
        double elapsed = (System.nanoTime() - started) / 1e9;
        pool.shutdown();
        return new Result(name, batch, requests, requests * Math.max(batch, 1), elapsed, merge(all));
    }

    interface Worker {
        long[] run(long deadline) throws Exception;
    }

    static Result run(String base, String name, int batch, int seconds, int producers) throws Exception {
        return measure(name, batch, seconds, producers, deadline -> produce(base, batch, deadline));
    }

    static long[] produce(String base, int batch, long deadline) throws Exception {
        String session = "bench-" + UUID.randomUUID();
        String stream = "bench-" + UUID.randomUUID();
        send(base + "/v1/sessions/" + session + "/streams", "{\"streamId\":\"" + stream
                + "\",\"userMessage\":{\"content\":\"benchmark\"},\"leaseSeconds\":3600}", 201);
        StringBuilder body = new StringBuilder("{\"events\":[");
        for (int i = 0; i < batch; i++) {
            body.append(i == 0 ? "" : ",").append("{\"type\":\"token\",\"data\":{\"text\":\"lorem ipsum \"}}");
        }
        String events = body.append("]}").toString();
        String url = base + "/v1/streams/" + stream + "/events";
        List<Long> latencies = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            long t0 = System.nanoTime();
            send(url, events, 200);
            latencies.add((System.nanoTime() - t0) / 1000);
        }
        send(url, "{\"events\":[{\"type\":\"done\"},{\"type\":\"stream_end\"}]}", 200);
        return latencies.stream().mapToLong(Long::longValue).toArray();
    }

    /** Status reads of one stream, created and read with {@code authorization} (none when null). */
    static Result runStatusReads(String base, String name, int seconds, int clients, String authorization)
            throws Exception {
        String session = "bench-" + UUID.randomUUID();
        String stream = "bench-" + UUID.randomUUID();
        HttpRequest.Builder create = HttpRequest.newBuilder(URI.create(base + "/v1/sessions/" + session + "/streams"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"streamId\":\"" + stream + "\"}"));
        HttpRequest.Builder read = HttpRequest.newBuilder(URI.create(base + "/v1/streams/" + stream)).GET();
        if (authorization != null) {
            create.header("Authorization", authorization);
            read.header("Authorization", authorization);
        }
        HttpResponse<String> created = HTTP.send(create.build(), HttpResponse.BodyHandlers.ofString());
        if (created.statusCode() != 201) {
            throw new IllegalStateException("create answered " + created.statusCode() + ": " + created.body());
        }
        HttpRequest request = read.build();
        return measure(name, 0, seconds, clients, deadline -> {
            List<Long> latencies = new ArrayList<>();
            while (System.nanoTime() < deadline) {
                long t0 = System.nanoTime();
                HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200) {
                    throw new IllegalStateException("status read answered " + response.statusCode());
                }
                latencies.add((System.nanoTime() - t0) / 1000);
            }
            return latencies.stream().mapToLong(Long::longValue).toArray();
        });
    }

    static void send(String url, String body, int expected) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != expected) {
            throw new IllegalStateException(url + " answered " + response.statusCode() + ": " + response.body());
        }
    }

    static long[] merge(List<long[]> parts) {
        long[] merged = parts.stream().flatMapToLong(Arrays::stream).toArray();
        Arrays.sort(merged);
        return merged;
    }
}
