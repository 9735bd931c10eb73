package dev.streamjournal.security;

import io.quarkus.security.UnauthorizedException;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

/**
 * The caller of the current request, as {@link CallerAugmentor} established it. Endpoints declare their
 * role with {@code @RolesAllowed}, so by the time they ask, the request is authenticated.
 */
@ApplicationScoped
public class Callers {

    private final Instance<SecurityIdentity> identity;

    public Callers(Instance<SecurityIdentity> identity) {
        this.identity = identity;
    }

    /** The caller of an identity that {@link CallerAugmentor} augmented, or null (no token while authentication is on). */
    public static Caller of(SecurityIdentity identity) {
        return identity == null ? null : identity.getAttribute(CallerAugmentor.CALLER);
    }

    public Caller current() {
        Caller caller = identity.get().getAttribute(CallerAugmentor.CALLER);
        if (caller == null) {
            throw new UnauthorizedException();
        }
        return caller;
    }
}
