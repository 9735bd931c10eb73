package dev.streamjournal.live;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.pubsub.PgSubscriber;
import io.vertx.pgclient.PgConnectOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The replica's one LISTEN connection. Every append, create and supersede sends a NOTIFY on channel
 * {@code journal} inside its transaction; PostgreSQL delivers it at commit, to every replica. When the
 * connection drops it reconnects, and on every (re)subscription all subscribers are woken to catch up
 * from the journal, so nothing committed while it was away is missed.
 */
@ApplicationScoped
public class JournalListener {

    private static final Logger LOG = Logger.getLogger(JournalListener.class);
    public static final String CHANNEL = "journal";

    private final Vertx vertx;
    private final LiveHub hub;
    private final ObjectMapper json;
    private final String url;
    private final Optional<String> username;
    private final Optional<String> password;
    private final AtomicInteger subscriptions = new AtomicInteger();
    private PgSubscriber subscriber;

    public JournalListener(Vertx vertx, LiveHub hub, ObjectMapper json,
            @ConfigProperty(name = "quarkus.datasource.reactive.url") String url,
            @ConfigProperty(name = "quarkus.datasource.username") Optional<String> username,
            @ConfigProperty(name = "quarkus.datasource.password") Optional<String> password) {
        this.vertx = vertx;
        this.hub = hub;
        this.json = json;
        this.url = url;
        this.username = username;
        this.password = password;
    }

    void start(@Observes StartupEvent event) {
        PgConnectOptions options = PgConnectOptions.fromUri(url.startsWith("vertx-reactive:") ? url.substring(15) : url);
        username.ifPresent(options::setUser);
        password.ifPresent(options::setPassword);
        subscriber = PgSubscriber.subscriber(vertx, options).reconnectPolicy(retries -> 500L);
        subscriber.channel(CHANNEL)
                .handler(this::onNotification)
                .subscribeHandler(() -> {
                    int count = subscriptions.incrementAndGet();
                    if (count > 1) {
                        LOG.infof("LISTEN %s re-established; subscribers catch up from the journal", CHANNEL);
                    }
                    hub.wakeAll();
                });
        connect();
    }

    private void connect() {
        subscriber.connect().subscribe().with(
                ok -> LOG.debugf("listening on channel %s", CHANNEL),
                failure -> {
                    LOG.warnf("LISTEN connection failed (%s); retrying", failure.getMessage());
                    vertx.setTimer(1000, id -> connect());
                });
    }

    void stop(@Observes ShutdownEvent event) {
        if (subscriber != null) {
            subscriber.closeAndAwait();
        }
    }

    /** How many times the LISTEN was (re)established. */
    public int subscriptions() {
        return subscriptions.get();
    }

    private void onNotification(String payload) {
        try {
            hub.publish(json.readValue(payload, JournalNotice.class));
        } catch (Exception e) {
            LOG.warnf("ignoring a malformed notification: %s", payload);
        }
    }
}
