package dev.streamjournal.ds.subscription;

import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The callback, ack and release of a subscription's wake carry the wake's token, not a service JWT. This
 * mechanism, ahead of the JWT one, takes those requests so that their bearer is not verified as a JWT; it
 * grants nothing (no caller, no roles): {@link SubscriptionService#settle} verifies the token and fences
 * the request against the stored wake.
 */
@ApplicationScoped
public class WakeTokenMechanism implements HttpAuthenticationMechanism {

    private static final Pattern WAKE_PATHS = Pattern.compile(
            "/ds/v1/stream/__ds/subscriptions/[^/]+/(callback|ack|release)");

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identityProviderManager) {
        if (!WAKE_PATHS.matcher(context.request().path()).matches()) {
            return Uni.createFrom().nullItem();
        }
        return Uni.createFrom().item(QuarkusSecurityIdentity.builder()
                .setPrincipal(new QuarkusPrincipal("ds:wake-token")).build());
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        return Uni.createFrom().nullItem();
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of();
    }

    @Override
    public int getPriority() {
        return DEFAULT_PRIORITY + 1000;
    }
}
