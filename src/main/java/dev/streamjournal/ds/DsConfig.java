package dev.streamjournal.ds;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Durable Streams under {@code /ds} ({@code journal.ds.*}). */
@ConfigMapping(prefix = "journal.ds")
public interface DsConfig {

    /** How long a long-poll at the tail waits for data before it answers 204. */
    @WithDefault("20s")
    Duration longPollTimeout();

    /** How long an SSE response stays open; its client then reconnects from its last offset (CDN collapsing). */
    @WithDefault("60s")
    Duration sseDuration();

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
}
