package dev.streamjournal.live;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** Live delivery ({@code journal.live.*}). */
@ConfigMapping(prefix = "journal.live")
public interface LiveConfig {

    /** Interval of the {@code : keep-alive} comment on idle event streams. */
    @WithDefault("15s")
    Duration keepAlive();

    /** The {@code retry:} an event stream starts with, in milliseconds: how soon a client reconnects. */
    @WithDefault("1000")
    int retryMillis();

    /** Most journal events a stream feed reads at once and keeps for its subscribers. */
    @WithDefault("200")
    int pageSize();

    /** Most journal events a subscriber that lags behind its feed reads (and holds) at once; at most 1 MiB of data. */
    @WithDefault("2000")
    int catchUpPageSize();

    /** How often each replica reads the journal for changes whose doorbell it missed (a replica died after a commit). */
    @WithDefault("1s")
    Duration sweepInterval();

    /**
     * Least time between two doorbell NOTIFYs of one replica; the changes committed meanwhile leave
     * together in the next. Every NOTIFY wakes every replica's listener (this one's too), so under a
     * heavy append load this bounds what the doorbell costs; it delays only other replicas' subscribers.
     */
    @WithDefault("5ms")
    Duration doorbellInterval();

    /** How often the LISTEN connection is checked with a round trip. */
    @WithDefault("5s")
    Duration listenCheckInterval();

    /** How long that round trip may take before the connection is replaced. */
    @WithDefault("3s")
    Duration listenCheckTimeout();

    /** The LISTEN connection's database URL, when it must differ from {@code quarkus.datasource.reactive.url}. */
    Optional<String> listenUrl();
}
