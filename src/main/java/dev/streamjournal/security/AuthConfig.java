package dev.streamjournal.security;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Authentication ({@code journal.auth.*}). */
@ConfigMapping(prefix = "journal.auth")
public interface AuthConfig {

    /**
     * When off, a request without a token acts as principal {@code anonymous} of tenant {@code default} with
     * every role. A request that presents a token always has it verified.
     */
    @WithDefault("true")
    boolean enabled();

    /** The token claim that names the caller's tenant. */
    @WithDefault("tenant")
    String tenantClaim();

    /** Most verified tokens a replica keeps ({@link VerifiedTokens}); {@code 0}: every request is verified. */
    @WithDefault("10000")
    int tokenCacheSize();

    /** Longest a verified token is kept, however far its expiry: how long a withdrawn key is still honoured. */
    @WithDefault("60s")
    Duration tokenCacheTtl();
}
