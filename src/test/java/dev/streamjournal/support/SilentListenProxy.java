package dev.streamjournal.support;

import dev.streamjournal.embedded.EmbeddedPostgres;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.Map;

/**
 * Routes the replica's LISTEN connection (only it) through a {@link SilentProxy}, injected into the
 * test's {@code SilentProxy} field, so that a test can make that connection go silent.
 */
public class SilentListenProxy implements QuarkusTestResourceLifecycleManager {

    private SilentProxy proxy;

    @Override
    public Map<String, String> start() {
        try {
            proxy = new SilentProxy(() -> database().getPort());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String configured = System.getenv("QUARKUS_DATASOURCE_REACTIVE_URL");
        String path = configured == null ? "/" + EmbeddedPostgres.DATABASE : database(configured).getPath();
        return Map.of("journal.live.listen-url", "postgresql://127.0.0.1:" + proxy.port() + path);
    }

    private static URI database() {
        return database(PostgresResource.reactiveUrl());
    }

    private static URI database(String url) {
        return URI.create(url.startsWith("vertx-reactive:") ? url.substring("vertx-reactive:".length()) : url);
    }

    @Override
    public void inject(TestInjector injector) {
        injector.injectIntoFields(proxy, new TestInjector.MatchesType(SilentProxy.class));
    }

    @Override
    public void stop() {
        try {
            proxy.close();
        } catch (IOException e) {
            // closing a proxy cannot fail in a way that matters
        }
    }
}
