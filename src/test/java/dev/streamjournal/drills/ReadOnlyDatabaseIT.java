package dev.streamjournal.drills;

import static dev.streamjournal.support.Api.event;
import static dev.streamjournal.support.Api.token;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamjournal.embedded.EmbeddedPostgres;
import dev.streamjournal.support.ApiClient;
import dev.streamjournal.support.Db;
import dev.streamjournal.support.Http;
import dev.streamjournal.support.Replica;
import java.io.IOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The database turns read-only ({@code default_transaction_read_only}, as a failed-over replica or an
 * operator would make it): every write answers a clear 503 {@code unavailable}, reads go on, nothing is
 * half-written, and writes resume where they stopped once the database is writable again.
 */
class ReadOnlyDatabaseIT {

    private static final String TENANT = "readonly";

    private static EmbeddedPostgres postgres;
    private static Replica service;
    private static ApiClient api;

    @BeforeAll
    static void start() throws IOException {
        postgres = EmbeddedPostgres.start(Files.createTempDirectory("stream-journal-readonly-drill-").resolve("data"), false);
        service = Replica.start("readonly", Replica.environment(postgres));
        service.awaitReady();
        api = new ApiClient(service, TENANT, Duration.ofSeconds(30));
    }

    @AfterAll
    static void stop() throws IOException {
        if (service != null) {
            service.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void aReadOnlyDatabase_answers503ToEveryWrite_writesNothing_andRecovers() throws Exception {
        String stream = "ro-" + System.nanoTime();
        Http.Answer created = api.create(stream + "-s", stream, Map.of("userMessage", Map.of("content", "q")));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(api.append(stream, token(1, "a")).status()).isEqualTo(200);

        try (Connection db = DriverManager.getConnection(postgres.jdbcUrl(), EmbeddedPostgres.USER, "")) {
            readOnly(db, true);
            List<Map<String, Object>> combined = List.of(token(2, "b"));
            List<Map<String, Object>> terminal = List.of(token(2, "b"), event(3, "done", Map.of()));
            // the reload reaches each backend a moment later: probe with a heartbeat, which a backend that has
            // not seen it yet may take without changing what the test counts (an append would write seq 2)
            await().atMost(Duration.ofSeconds(10)).until(() -> api.heartbeat(stream).status() == 503);
            Map<String, Long> before = Db.rowCounts(db);

            Map<String, Http.Answer> writes = new LinkedHashMap<>();
            writes.put("append (one statement)", api.append(stream, combined));
            writes.put("append (terminal, transcript)", api.append(stream, terminal));
            writes.put("create", api.create(stream + "-other", stream + "-2"));
            writes.put("supersede", api.create(stream + "-s", stream + "-3", Map.of("onActive", "interrupt")));
            writes.put("heartbeat", api.heartbeat(stream));
            assertThat(writes).allSatisfy((what, answer) -> {
                assertThat(answer.status()).as(what + ": " + answer.body()).isEqualTo(503);
                assertThat(answer.slug()).as(what).isEqualTo("unavailable");
            });
            Http.Answer status = api.read("/v1/streams/" + stream);
            assertThat(status.status()).as("reads go on").isEqualTo(200);
            assertThat(status.json().path("journal").path("lastSeq").asInt()).isEqualTo(1);
            assertThat(Db.rowCounts(db)).as("nothing half-written").isEqualTo(before);

            readOnly(db, false);
            await().atMost(Duration.ofSeconds(10)).until(() -> api.append(stream, terminal).status() == 200);
            Http.Answer settled = api.read("/v1/streams/" + stream + "/settlement");
            assertThat(settled.json().path("outcome").asText()).isEqualTo("restored");
            assertThat(settled.json().path("lastSeq").asInt()).isEqualTo(3);
        }
    }

    private static void readOnly(Connection db, boolean on) throws Exception {
        try (Statement statement = db.createStatement()) {
            // this session stays writable whatever the default becomes
            statement.execute("set default_transaction_read_only = off");
            statement.execute(on ? "alter system set default_transaction_read_only = on"
                    : "alter system reset default_transaction_read_only");
            statement.execute("select pg_reload_conf()");
        }
    }
}
