package dev.streamjournal.live;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamjournal.journal.Change;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.pgclient.PgConnection;
import io.vertx.mutiny.pgclient.pubsub.PgSubscriber;
import io.vertx.pgclient.PgConnectOptions;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The replica's one LISTEN connection, on which the other replicas' doorbells arrive. Its liveness is
 * checked: every {@code journal.live.listen-check-interval} it runs a round trip on the connection, and
 * when that fails or takes longer than {@code journal.live.listen-check-timeout} (a silent network drop
 * leaves a connection open but deaf), it closes the connection and reconnects. On every
 * (re)subscription all feeds catch up from the journal, so nothing committed while it was away is missed.
 */
@ApplicationScoped
public class JournalListener {

    private static final Logger LOG = Logger.getLogger(JournalListener.class);
    /** How the LISTEN connection shows in {@code pg_stat_activity}. */
    public static final String APPLICATION_NAME = "stream-journal-listen";

    private final Vertx vertx;
    private final LiveHub hub;
    private final NotifyDoorbell doorbell;
    private final ObjectMapper json;
    private final LiveConfig config;
    private final String url;
    private final Optional<String> username;
    private final Optional<String> password;
    private final AtomicInteger subscriptions = new AtomicInteger();
    private PgSubscriber subscriber;
    private long checkTimer = -1;

    public JournalListener(Vertx vertx, LiveHub hub, NotifyDoorbell doorbell, ObjectMapper json, LiveConfig config,
            @ConfigProperty(name = "quarkus.datasource.reactive.url") String url,
            @ConfigProperty(name = "quarkus.datasource.username") Optional<String> username,
            @ConfigProperty(name = "quarkus.datasource.password") Optional<String> password) {
        this.vertx = vertx;
        this.hub = hub;
        this.doorbell = doorbell;
        this.json = json;
        this.config = config;
        this.url = config.listenUrl().orElse(url);
        this.username = username;
        this.password = password;
    }

    void start(@Observes StartupEvent event) {
        PgConnectOptions options = PgConnectOptions.fromUri(url.startsWith("vertx-reactive:") ? url.substring(15) : url);
        username.ifPresent(options::setUser);
        password.ifPresent(options::setPassword);
        options.setTcpKeepAlive(true);
        options.addProperty("application_name", APPLICATION_NAME);
        subscriber = PgSubscriber.subscriber(vertx, options).reconnectPolicy(retries -> 500L);
        subscriber.channel(NotifyDoorbell.CHANNEL)
                .handler(this::onNotification)
                .subscribeHandler(() -> {
                    int count = subscriptions.incrementAndGet();
                    if (count > 1) {
                        LOG.infof("LISTEN %s re-established; feeds catch up from the journal", NotifyDoorbell.CHANNEL);
                    }
                    hub.wakeAll();
                });
        connect();
        checkTimer = vertx.setPeriodic(config.listenCheckInterval().toMillis(), id -> check());
    }

    private void connect() {
        subscriber.connect().subscribe().with(
                ok -> LOG.debugf("listening on channel %s", NotifyDoorbell.CHANNEL),
                failure -> {
                    LOG.warnf("LISTEN connection failed (%s); retrying", failure.getMessage());
                    vertx.setTimer(1000, id -> connect());
                });
    }

    /** A round trip on the LISTEN connection; a connection that does not answer in time is replaced. */
    private void check() {
        PgConnection connection = subscriber.actualConnection();
        if (connection == null) {
            return;
        }
        connection.query("select 1").execute()
                .ifNoItem().after(config.listenCheckTimeout()).fail()
                .subscribe().with(
                        ok -> { },
                        failure -> {
                            LOG.warnf("LISTEN connection did not answer (%s); reconnecting", failure.toString());
                            connection.close().subscribe().with(ok -> { }, closeFailure -> { });
                        });
    }

    void stop(@Observes ShutdownEvent event) {
        if (checkTimer >= 0) {
            vertx.cancelTimer(checkTimer);
        }
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
            JsonNode notice = json.readTree(payload);
            if (doorbell.replica().equals(notice.path("replica").asText())) {
                return;
            }
            for (JsonNode change : notice.path("changes")) {
                hub.publish(new Change(change.get(0).asText(), change.get(1).asText(), change.get(2).asInt(),
                        change.get(3).asInt() != 0));
            }
        } catch (Exception e) {
            LOG.warnf("ignoring a malformed notification: %s", payload);
        }
    }
}
