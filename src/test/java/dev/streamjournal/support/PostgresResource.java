package dev.streamjournal.support;

import dev.streamjournal.embedded.EmbeddedPostgres;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The one PostgreSQL of the test run: the configured one when {@code QUARKUS_DATASOURCE_REACTIVE_URL}
 * (and {@code ..._JDBC_URL}) are set, else a fresh embedded server (bundled binaries, else the system's).
 */
@QuarkusTestResource(PostgresResource.class)
public class PostgresResource implements QuarkusTestResourceLifecycleManager {

    /** The system property that holds the reactive URL of the embedded server, for helpers that need it. */
    public static final String URL_PROPERTY = "stream-journal.test.reactive-url";

    private EmbeddedPostgres postgres;

    /** The reactive URL of the test database (configured or embedded), once it runs. */
    public static String reactiveUrl() {
        String configured = System.getenv("QUARKUS_DATASOURCE_REACTIVE_URL");
        return configured != null ? configured : System.getProperty(URL_PROPERTY);
    }
    private Path dataDir;

    @Override
    public Map<String, String> start() {
        if (System.getenv("QUARKUS_DATASOURCE_REACTIVE_URL") != null) {
            return Map.of();
        }
        try {
            // readable by others: as root, the fallback binaries run as user postgres and must reach it
            dataDir = Files.createTempDirectory("stream-journal-test-pg-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        postgres = EmbeddedPostgres.start(dataDir.resolve("data"), false);
        System.setProperty(URL_PROPERTY, postgres.reactiveUrl());
        return Map.of(
                "quarkus.datasource.reactive.url", postgres.reactiveUrl(),
                "quarkus.datasource.jdbc.url", postgres.jdbcUrl(),
                "quarkus.datasource.username", EmbeddedPostgres.USER);
    }

    @Override
    public void stop() {
        if (postgres != null) {
            postgres.close();
            try (Stream<Path> files = Files.walk(dataDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException e) {
                // a leftover temp directory is harmless
            }
        }
    }
}
