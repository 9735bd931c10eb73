package dev.streamjournal.ds;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** Durable Streams under {@code /ds} ({@code journal.ds.*}). */
@ConfigMapping(prefix = "journal.ds")
public interface DsConfig {

    /** How long a long-poll at the tail waits for data before it answers 204. */
    @WithDefault("20s")
    Duration longPollTimeout();

    /** How long an SSE response stays open; its client then reconnects from its last offset (CDN collapsing). */
    @WithDefault("60s")
    Duration sseDuration();

    /** How often an idle SSE response gets a comment line, so that proxies keep it open. */
    @WithDefault("15s")
    Duration sseHeartbeat();

    /** Most bytes of messages in one read response (a larger single message still comes whole). */
    @WithDefault("1048576")
    int readBytes();

    /** Most messages in one read response. */
    @WithDefault("10000")
    int readMessages();

    /** Largest request body, in bytes (413 beyond). */
    @WithDefault("16777216")
    int maxBodyBytes();

    /** Most messages one append may write (a JSON array is flattened into messages). */
    @WithDefault("10000")
    int maxMessages();

    /** Subscriptions ({@code __ds/subscriptions/...}). */
    Subscriptions subscriptions();

    interface Subscriptions {

        /**
         * Accept {@code http://localhost} and {@code http://127.x.x.x} webhook URLs (development and tests);
         * otherwise only {@code https://} to public addresses is accepted.
         */
        @WithDefault("false")
        boolean allowLoopbackHttp();

        /**
         * The service's public base URL for Durable Streams (for example {@code https://journal.example/ds}),
         * for the callback and JWKS URLs in webhooks; by default the base URL the subscription was created at.
         */
        Optional<String> publicUrl();

        /** How often each replica expires leases, retries failed deliveries and reconciles subscriptions. */
        @WithDefault("1s")
        Duration sweepInterval();

        /** How long a subscription goes between reconciliations (missed wakes, paths created meanwhile). */
        @WithDefault("10s")
        Duration reconcileInterval();

        /** How long a webhook delivery may take before it counts as failed. */
        @WithDefault("10s")
        Duration deliveryTimeout();

        /**
         * How long a pull-wake wake waits to be claimed before it is announced again as the next generation:
         * a wake event lost after the wake's commit (a replica stopped, the wake stream was closed or absent)
         * then still reaches a worker.
         */
        @WithDefault("60s")
        Duration claimTimeout();

        /** How long a callback or claim token is valid (fencing by generation applies throughout). */
        @WithDefault("1h")
        Duration tokenTtl();
    }
}
