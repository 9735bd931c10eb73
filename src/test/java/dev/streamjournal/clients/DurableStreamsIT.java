package dev.streamjournal.clients;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamjournal.support.PostgresResource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Durable Streams protocol's own packages against {@code /ds} of the packaged service, from
 * {@code clients/durable-streams} (vitest): the conformance suite of the protocol's authors
 * ({@code @durable-streams/server-conformance-tests}) and the official client ({@code @durable-streams/client})
 * writing and reading across two replicas through cuts and a crash, and the AI SDK transport
 * ({@code @durable-streams/aisdk-transport}) driving a headless chat through a reload. The tests start their replicas
 * themselves, over this database; the vitest reports go to {@code target/ds-tests/}.
 */
class DurableStreamsIT {

    private static final Path CLIENT = Path.of("clients/durable-streams");
    private static final Path REPORTS = Path.of("target/ds-tests");
    private static final PostgresResource POSTGRES = new PostgresResource();
    private static final Map<String, String> ENV = new HashMap<>();

    @BeforeAll
    static void start() throws Exception {
        Map<String, String> datasource = new HashMap<>(POSTGRES.start());
        datasource.putIfAbsent("quarkus.datasource.reactive.url", System.getenv("QUARKUS_DATASOURCE_REACTIVE_URL"));
        datasource.putIfAbsent("quarkus.datasource.jdbc.url", System.getenv("QUARKUS_DATASOURCE_JDBC_URL"));
        datasource.putIfAbsent("quarkus.datasource.username", System.getenv("QUARKUS_DATASOURCE_USERNAME"));
        ENV.put("SJ_DB_REACTIVE_URL", datasource.get("quarkus.datasource.reactive.url"));
        ENV.put("SJ_DB_JDBC_URL", datasource.get("quarkus.datasource.jdbc.url"));
        ENV.put("SJ_DB_USER", datasource.get("quarkus.datasource.username"));
        ENV.put("SJ_JAVA", ProcessHandle.current().info().command().orElse("java"));
        Files.createDirectories(REPORTS);
        assertThat(CLIENT.resolve("node_modules/@durable-streams/server-conformance-tests"))
                .as("the test packages of clients/durable-streams: run scripts/prerequisites (it runs `npm ci` there)")
                .isDirectory();
    }

    @AfterAll
    static void stop() {
        POSTGRES.stop();
    }

    /**
     * The whole suite passes, the reserved subscription APIs included ({@code subscriptions: true}): 338
     * tests, none failed, none skipped.
     */
    @Test
    void conformanceSuite() throws Exception {
        JsonNode report = vitest("conformance", "test/conformance.test.mjs");
        assertThat(report.path("numTotalTests").asInt()).as("tests in the suite").isEqualTo(338);
        assertThat(report.path("numFailedTests").asInt()).as("failed tests").isZero();
        assertThat(report.path("numPassedTests").asInt()).as("passed tests").isEqualTo(338);
        assertThat(report.path("numPendingTests").asInt() + report.path("numTodoTests").asInt())
                .as("skipped tests").isZero();
    }

    /**
     * The official client, configured and not changed: an idempotent producer and SSE and long-poll readers
     * on different replicas lose and double nothing through connection cuts and a {@code SIGKILL}; a saved
     * offset resumes on either replica; another tenant's token neither reads nor writes.
     */
    @Test
    void officialClient() throws Exception {
        JsonNode report = vitest("client", "test/client.test.mjs");
        assertThat(report.path("numFailedTests").asInt()).as("failed tests").isZero();
        assertThat(report.path("numPassedTests").asInt()).as("passed tests").isEqualTo(2);
    }

    /**
     * The AI SDK transport with its peer {@code ai} 6, configured as its README recommends for resumable
     * generations: a chat reloaded mid-answer resumes on the other replica and shows the answer once, and
     * what it shows is what the app stored.
     */
    @Test
    void aiSdkTransport() throws Exception {
        JsonNode report = vitest("aisdk", "test/aisdk.test.mjs");
        assertThat(report.path("numFailedTests").asInt()).as("failed tests").isZero();
        assertThat(report.path("numPassedTests").asInt()).as("passed tests").isEqualTo(2);
    }

    /** Runs vitest over {@code files}; returns its JSON report after checking that the run ended well. */
    private static JsonNode vitest(String name, String... files) throws Exception {
        Path output = REPORTS.resolve(name + "-output.txt").toAbsolutePath();
        Path json = REPORTS.resolve(name + "-report.json").toAbsolutePath();
        List<String> command = new ArrayList<>(List.of("npx", "--no-install", "vitest", "run", "--reporter=default",
                "--reporter=json", "--outputFile.json=" + json));
        command.addAll(List.of(files));
        ProcessBuilder builder = new ProcessBuilder(command).directory(CLIENT.toFile())
                .redirectErrorStream(true).redirectOutput(output.toFile());
        builder.environment().putAll(ENV);
        builder.environment().put("CI", "true");
        Process process = builder.start();
        boolean ended = process.waitFor(20, TimeUnit.MINUTES);
        if (!ended) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        String text = Files.readString(output);
        assertThat(ended).as("vitest %s ended in time:%n%s", name, text).isTrue();
        assertThat(process.exitValue()).as("vitest %s (%s):%n%s", name, output, text).isZero();
        return new ObjectMapper().readTree(json.toFile());
    }
}
