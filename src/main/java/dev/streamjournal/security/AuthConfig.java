package dev.streamjournal.security;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

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
}
