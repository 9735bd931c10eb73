package dev.streamjournal.embedded;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;
import java.nio.file.Path;
import org.jboss.logging.Logger;
import sun.misc.Signal;

/**
 * Entry point. With no datasource URL configured ({@code QUARKUS_DATASOURCE_REACTIVE_URL} or the
 * system property {@code quarkus.datasource.reactive.url}), it first starts an embedded PostgreSQL with
 * its data in {@code journal.embedded.data-dir} (default {@code ./data/pg}, kept across restarts) and
 * points both datasources at it, and, unless {@code journal.auth.enabled} is set, turns authentication
 * off. Production configures a URL and never starts it. The data directory is read here, before
 * Quarkus's configuration exists, from the system property or its environment variable
 * {@code JOURNAL_EMBEDDED_DATA_DIR}.
 *
 * <p>SIGTERM and SIGINT start the graceful shutdown (readiness down, live subscribers drained, in-flight
 * requests finished) and the process then exits 0; the embedded PostgreSQL stops after the service.
 */
@QuarkusMain
public final class Main {

    private static final Logger LOG = Logger.getLogger(Main.class);
    private static final String DEFAULT_DATA_DIR = "data/pg";

    /** Runs until a signal or {@link Quarkus#asyncExit()} asks it to stop. */
    public static final class Service implements QuarkusApplication {
        @Override
        public int run(String... args) {
            Quarkus.waitForExit();
            return 0;
        }
    }

    public static void main(String... args) {
        EmbeddedPostgres postgres = null;
        if (setting("quarkus.datasource.reactive.url") == null) {
            String dataDir = setting("journal.embedded.data-dir");
            postgres = EmbeddedPostgres.start(Path.of(dataDir == null ? DEFAULT_DATA_DIR : dataDir), true);
            Runtime.getRuntime().addShutdownHook(new Thread(postgres::close, "embedded-postgres-stop"));
            System.setProperty("quarkus.datasource.reactive.url", postgres.reactiveUrl());
            System.setProperty("quarkus.datasource.jdbc.url", postgres.jdbcUrl());
            System.setProperty("quarkus.datasource.username", EmbeddedPostgres.USER);
            LOG.info("no datasource URL configured: using the embedded PostgreSQL");
            if (setting("journal.auth.enabled") == null) {
                System.setProperty("journal.auth.enabled", "false");
            }
        }
        for (String signal : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(signal), received -> Quarkus.asyncExit(0));
        }
        EmbeddedPostgres database = postgres;
        Quarkus.run(Service.class, (code, failure) -> {
            if (database != null) {
                database.close();
            }
            System.exit(failure == null ? code : 1);
        }, args);
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
