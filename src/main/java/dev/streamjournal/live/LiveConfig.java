package dev.streamjournal.live;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Live delivery ({@code journal.live.*}). */
@ConfigMapping(prefix = "journal.live")
public interface LiveConfig {

    /** Interval of the {@code : keep-alive} comment on idle event streams. */
    @WithDefault("15s")
    Duration keepAlive();

    /** The {@code retry:} an event stream starts with, in milliseconds: how soon a client reconnects. */
    @WithDefault("1000")
    int retryMillis();

    /** Most journal events a subscriber reads (and holds) at once. */
    @WithDefault("200")
    int pageSize();
}
