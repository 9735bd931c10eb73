package dev.streamjournal.clients;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamjournal.support.PostgresResource;
import java.io.IOException;
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
 * The tests of {@code clients/js} (Node's test runner): the client library against the packaged service
 * (random cut points, the seed race, a drain between two replicas, token refresh, a producer through
 * restarts), the AI SDK's own package driving the service (a headless useChat, mock models through the real
 * streamText: cuts, reload, the load/resume race, a killed producer, stop, supersede), and the browser tests (headless Chromium through puppeteer-core: the client in a page, the
 * console, a page on a second origin). The Node tests start the replicas themselves, over this database.
 * Their output goes to {@code target/js-tests/}.
 */
class JsClientIT {

    private static final Path CLIENT = Path.of("clients/js");
    private static final Path REPORTS = Path.of("target/js-tests");
    private static final PostgresResource POSTGRES = new PostgresResource();
    private static final Map<String, String> ENV = new HashMap<>();

    @BeforeAll
    static void start() throws IOException {
        Map<String, String> datasource = new HashMap<>(POSTGRES.start());
        datasource.putIfAbsent("quarkus.datasource.reactive.url", System.getenv("QUARKUS_DATASOURCE_REACTIVE_URL"));
        datasource.putIfAbsent("quarkus.datasource.jdbc.url", System.getenv("QUARKUS_DATASOURCE_JDBC_URL"));
        datasource.putIfAbsent("quarkus.datasource.username", System.getenv("QUARKUS_DATASOURCE_USERNAME"));
        ENV.put("SJ_DB_REACTIVE_URL", datasource.get("quarkus.datasource.reactive.url"));
        ENV.put("SJ_DB_JDBC_URL", datasource.get("quarkus.datasource.jdbc.url"));
        ENV.put("SJ_DB_USER", datasource.get("quarkus.datasource.username"));
        ENV.put("SJ_JAVA", ProcessHandle.current().info().command().orElse("java"));
        Files.createDirectories(REPORTS);
        assertThat(CLIENT.resolve("node_modules/puppeteer-core"))
                .as("the test packages of clients/js: run scripts/prerequisites (it runs `npm ci` there)").isDirectory();
    }

    @AfterAll
    static void stop() {
        POSTGRES.stop();
    }

    @Test
    void clientLibrary() throws Exception {
        node("client", "test/unit", "test/live");
    }

    /** The AI SDK (npm {@code ai}, pinned): the route handler, the journal transport, a headless useChat. */
    @Test
    void aiSdk() throws Exception {
        node("ai-sdk", "test/aisdk");
    }

    @Test
    void inTheBrowser() throws Exception {
        node("browser", "test/browser");
    }

    /** Runs Node's test runner over {@code dirs} of clients/js; passes when every test passes. */
    private static void node(String name, String... dirs) throws Exception {
        Path report = REPORTS.resolve(name + "-report.txt").toAbsolutePath();
        // a test that hangs (a lost settlement would) fails after 5 minutes instead of holding the build
        List<String> command = new ArrayList<>(List.of("node", "--test", "--test-concurrency=1", "--test-timeout=300000",
                "--test-reporter=spec", "--test-reporter-destination=stdout"));
        command.addAll(List.of(dirs));
        ProcessBuilder builder = new ProcessBuilder(command).directory(CLIENT.toFile())
                .redirectErrorStream(true).redirectOutput(report.toFile());
        builder.environment().putAll(ENV);
        Process process = builder.start();
        boolean ended = process.waitFor(20, TimeUnit.MINUTES);
        if (!ended) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
        String output = Files.readString(report);
        assertThat(ended).as("node --test %s ended in time:%n%s", name, output).isTrue();
        assertThat(process.exitValue()).as("node --test %s (%s):%n%s", name, report, output).isZero();
        assertThat(output).contains("ℹ fail 0", "ℹ skipped 0", "ℹ todo 0").doesNotContain("ℹ tests 0");
    }
}
