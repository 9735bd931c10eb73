package dev.streamjournal.support;

import static org.awaitility.Awaitility.await;

import dev.streamjournal.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** One instance of the packaged service ({@code target/quarkus-app}), started as its own process. */
public final class Replica implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public final String name;
    public final int port;
    public final Process process;
    public final Path log;

    private Replica(String name, int port, Process process, Path log) {
        this.name = name;
        this.port = port;
        this.process = process;
        this.log = log;
    }

    /**
     * The environment of a replica over the database whose Quarkus properties are given (as
     * {@link PostgresResource#start()} returns them), with authentication on and the test key.
     */
    public static Map<String, String> environment(Map<String, String> datasource) {
        Map<String, String> env = new HashMap<>();
        datasource.forEach((key, value) -> env.put(key.toUpperCase().replaceAll("[^A-Z0-9]", "_"), value));
        env.put("JOURNAL_AUTH_ENABLED", "true");
        env.put("MP_JWT_VERIFY_PUBLICKEY_LOCATION", Path.of("src/test/resources/auth/public-key.pem").toAbsolutePath().toString());
        env.put("MP_JWT_VERIFY_ISSUER", Tokens.ISSUER);
        return env;
    }

    /** The environment of a replica over an embedded server of a drill, as {@link #environment(Map)}. */
    public static Map<String, String> environment(EmbeddedPostgres postgres) {
        return environment(Map.of("quarkus.datasource.reactive.url", postgres.reactiveUrl(),
                "quarkus.datasource.jdbc.url", postgres.jdbcUrl(), "quarkus.datasource.username", EmbeddedPostgres.USER));
    }

    /** Starts the packaged service with {@code env} added to this process's environment; does not wait. */
    public static Replica start(String name, Map<String, String> env) throws IOException {
        return start(name, env, freePort());
    }

    /** Starts the packaged service on {@code port} (a replica replaced in place keeps its address). */
    public static Replica start(String name, Map<String, String> env, int port) throws IOException {
        Path log = Files.createTempFile("stream-journal-" + name + "-", ".log");
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder builder = new ProcessBuilder(java, "-Xmx256m", "-jar", "target/quarkus-app/quarkus-run.jar")
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(env);
        builder.environment().put("QUARKUS_HTTP_PORT", Integer.toString(port));
        return new Replica(name, port, builder.start(), log);
    }

    public void awaitReady() {
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited " + process.exitValue() + ":\n" + logText());
            }
            return status("/q/health/ready") == 200;
        });
    }

    public URI uri(String path) {
        return URI.create("http://localhost:" + port + path);
    }

    public int status(String path) {
        try {
            return HTTP.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    public String logText() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    /** Stops the process; its log is kept in {@code target/replica-logs/}, for the diagnosis of a failed drill. */
    public void close() throws IOException {
        process.destroyForcibly();
        if (Files.exists(log)) {
            Path kept = Files.createDirectories(Path.of("target/replica-logs"));
            Files.move(log, kept.resolve(log.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
