package dev.streamjournal.embedded;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import java.nio.file.Path;
import org.jboss.logging.Logger;

/**
 * Entry point. With no datasource URL configured ({@code QUARKUS_DATASOURCE_REACTIVE_URL} or the
 * system property {@code quarkus.datasource.reactive.url}), it first starts an embedded PostgreSQL with
 * its data in {@code journal.embedded.data-dir} (default {@code ./data/pg}, kept across restarts) and
 * points both datasources at it, and, unless {@code journal.auth.enabled} is set, turns authentication
 * off. Production configures a URL and never starts it.
 */
@QuarkusMain
public final class Main {

    private static final Logger LOG = Logger.getLogger(Main.class);

    public static void main(String... args) {
        if (setting("quarkus.datasource.reactive.url") == null) {
            String dataDir = setting("journal.embedded.data-dir");
            EmbeddedPostgres postgres = EmbeddedPostgres.start(Path.of(dataDir == null ? "data/pg" : dataDir), true);
            Runtime.getRuntime().addShutdownHook(new Thread(postgres::close, "embedded-postgres-stop"));
            System.setProperty("quarkus.datasource.reactive.url", postgres.reactiveUrl());
            System.setProperty("quarkus.datasource.jdbc.url", postgres.jdbcUrl());
            System.setProperty("quarkus.datasource.username", EmbeddedPostgres.USER);
            LOG.info("no datasource URL configured: using the embedded PostgreSQL");
            if (setting("journal.auth.enabled") == null) {
                System.setProperty("journal.auth.enabled", "false");
            }
        }
        Quarkus.run(args);
    }

    /** A setting from a system property or its environment variable form, before Quarkus config exists. */
    private static String setting(String key) {
        String value = System.getProperty(key);
        if (value == null) {
            value = System.getenv(key.toUpperCase().replaceAll("[^A-Z0-9]", "_"));
        }
        return value == null || value.isBlank() ? null : value;
    }
}
