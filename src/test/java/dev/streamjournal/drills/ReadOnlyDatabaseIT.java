package dev.streamjournal.drills;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamjournal.embedded.EmbeddedPostgres;
import dev.streamjournal.security.Roles;
import dev.streamjournal.support.Db;
import dev.streamjournal.support.Http;
import dev.streamjournal.support.Replica;
import dev.streamjournal.support.Tokens;
import java.io.IOException;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
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
    private static final String PRODUCER = Tokens.bearer("producer", TENANT, Roles.PRODUCER);
    private static final String READER = Tokens.bearer("reader", TENANT, Roles.READER);
    private static final Duration REQUEST = Duration.ofSeconds(30);

    private static EmbeddedPostgres postgres;
    private static Replica service;

    @BeforeAll
    static void start() throws IOException {
        postgres = EmbeddedPostgres.start(Files.createTempDirectory("stream-journal-readonly-drill-").resolve("data"), false);
        service = Replica.start("readonly", Replica.environment(postgres));
        service.awaitReady();
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
        Http.Answer created = Http.post(service.uri("/v1/sessions/" + stream + "-s/streams"), PRODUCER,
                "{\"streamId\":\"" + stream + "\",\"userMessage\":{\"content\":\"q\"}}", REQUEST);
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(append(stream, "{\"events\":[{\"seq\":1,\"type\":\"token\",\"data\":{\"text\":\"a\"}}]}").status())
                .isEqualTo(200);

        try (Connection db = DriverManager.getConnection(postgres.jdbcUrl(), EmbeddedPostgres.USER, "")) {
            readOnly(db, true);
            String combined = "{\"events\":[{\"seq\":2,\"type\":\"token\",\"data\":{\"text\":\"b\"}}]}";
            String terminal = "{\"events\":[{\"seq\":2,\"type\":\"token\",\"data\":{\"text\":\"b\"}},{\"seq\":3,\"type\":\"done\"}]}";
            await().atMost(Duration.ofSeconds(10)).until(() -> append(stream, combined).status() == 503);
            Map<String, Long> before = Db.rowCounts(db);

            Map<String, Http.Answer> writes = new LinkedHashMap<>();
            writes.put("append (one statement)", append(stream, combined));
            writes.put("append (terminal, transcript)", append(stream, terminal));
            writes.put("create", Http.post(service.uri("/v1/sessions/" + stream + "-other/streams"), PRODUCER,
                    "{\"streamId\":\"" + stream + "-2\"}", REQUEST));
            writes.put("supersede", Http.post(service.uri("/v1/sessions/" + stream + "-s/streams"), PRODUCER,
                    "{\"streamId\":\"" + stream + "-3\",\"onActive\":\"interrupt\"}", REQUEST));
            writes.put("heartbeat", Http.post(service.uri("/v1/streams/" + stream + "/heartbeat"), PRODUCER, "", REQUEST));
            assertThat(writes).allSatisfy((what, answer) -> {
                assertThat(answer.status()).as(what + ": " + answer.body()).isEqualTo(503);
                assertThat(answer.slug()).as(what).isEqualTo("unavailable");
            });
            Http.Answer status = Http.get(service.uri("/v1/streams/" + stream), READER, REQUEST);
            assertThat(status.status()).as("reads go on").isEqualTo(200);
            assertThat(status.json().path("journal").path("lastSeq").asInt()).isEqualTo(1);
            assertThat(Db.rowCounts(db)).as("nothing half-written").isEqualTo(before);

            readOnly(db, false);
            await().atMost(Duration.ofSeconds(10)).until(() -> append(stream, terminal).status() == 200);
            Http.Answer settled = Http.get(service.uri("/v1/streams/" + stream + "/settlement"), READER, REQUEST);
            assertThat(settled.json().path("outcome").asText()).isEqualTo("restored");
            assertThat(settled.json().path("lastSeq").asInt()).isEqualTo(3);
        }
    }

    private static Http.Answer append(String stream, String body) throws Exception {
        return Http.post(service.uri("/v1/streams/" + stream + "/events"), PRODUCER, body, REQUEST);
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
