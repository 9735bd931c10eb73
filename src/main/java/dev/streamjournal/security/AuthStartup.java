package dev.streamjournal.security;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

/**
 * Refuses to start with authentication on and no key to verify tokens with, and says loudly when
 * authentication is off.
 */
public class AuthStartup {

    private static final Logger LOG = Logger.getLogger(AuthStartup.class);
    static final String KEY_LOCATION = "mp.jwt.verify.publickey.location";
    static final String KEY = "mp.jwt.verify.publickey";
    static final String ISSUER = "mp.jwt.verify.issuer";

    void check(@Observes StartupEvent start, AuthConfig auth, Config config) {
        if (!auth.enabled()) {
            LOG.warn("""

                    *****************************************************************************
                    * AUTHENTICATION IS OFF (journal.auth.enabled=false): every request without *
                    * a token acts as 'anonymous' in tenant 'default' with every role.          *
                    * Never expose this instance to a network you do not trust.                 *
                    *****************************************************************************""");
            return;
        }
        Optional<String> location = config.getOptionalValue(KEY_LOCATION, String.class);
        if (location.isEmpty() && config.getOptionalValue(KEY, String.class).isEmpty()) {
            throw new IllegalStateException("journal.auth.enabled is true but no token verification key is configured:"
                    + " set " + KEY_LOCATION + " (or " + KEY + ")");
        }
        location.map(AuthStartup::localFile).ifPresent(file -> {
            if (!Files.isReadable(file)) {
                throw new IllegalStateException(KEY_LOCATION + " names " + file + ", which cannot be read");
            }
        });
        if (config.getOptionalValue(ISSUER, String.class).isEmpty()) {
            LOG.warnf("%s is not set: tokens of any issuer signed with the configured key are accepted", ISSUER);
        }
        LOG.infof("authentication on: bearer tokens verified with %s", location.orElse(KEY));
    }

    /** The file an absolute or {@code file:} location names; null for classpath and remote locations. */
    static Path localFile(String location) {
        if (location.startsWith("file:")) {
            return Path.of(URI.create(location));
        }
        return location.startsWith("/") ? Path.of(location) : null;
    }
}
