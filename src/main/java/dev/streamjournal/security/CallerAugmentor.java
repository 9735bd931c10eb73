package dev.streamjournal.security;

import dev.streamjournal.common.Ids;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.json.JsonString;
import java.time.Instant;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Turns a verified token into a {@link Caller}: the subject becomes the principal, the tenant claim the
 * tenant (a token without a valid one is refused), and {@code admin} grants the other roles. While
 * authentication is off, a request without a token becomes {@link Caller#ANONYMOUS} with every role.
 */
@ApplicationScoped
public class CallerAugmentor implements SecurityIdentityAugmentor {

    static final String CALLER = "stream-journal.caller";

    private final AuthConfig config;

    public CallerAugmentor(AuthConfig config) {
        this.config = config;
    }

    @Override
    public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
        if (identity.isAnonymous()) {
            return Uni.createFrom().item(config.enabled() ? identity : anonymousWithEveryRole());
        }
        if (!(identity.getPrincipal() instanceof JsonWebToken token)) {
            return Uni.createFrom().item(identity);
        }
        return Uni.createFrom().item(() -> withCaller(identity, token));
    }

    private SecurityIdentity withCaller(SecurityIdentity identity, JsonWebToken token) {
        String tenant = text(token.getClaim(config.tenantClaim()));
        if (!Ids.isValid(tenant)) {
            throw new AuthenticationFailedException("the token has no valid '" + config.tenantClaim() + "' claim");
        }
        String principal = token.getSubject() != null ? token.getSubject() : token.getName();
        if (principal == null || principal.isBlank()) {
            throw new AuthenticationFailedException("the token has no subject");
        }
        QuarkusSecurityIdentity.Builder builder = QuarkusSecurityIdentity.builder(identity)
                .addAttribute(CALLER, new Caller(principal, tenant,
                        token.getExpirationTime() > 0 ? Instant.ofEpochSecond(token.getExpirationTime()) : null));
        if (identity.hasRole(Roles.ADMIN)) {
            builder.addRoles(Roles.ALL);
        }
        return builder.build();
    }

    /** A string claim, whichever form the token library hands it out in; null for any other type. */
    private static String text(Object claim) {
        if (claim instanceof String text) {
            return text;
        }
        return claim instanceof JsonString json ? json.getString() : null;
    }

    private static SecurityIdentity anonymousWithEveryRole() {
        return QuarkusSecurityIdentity.builder()
                .setPrincipal(new QuarkusPrincipal(Caller.ANONYMOUS.principal()))
                .addRoles(Roles.ALL)
                .addAttribute(CALLER, Caller.ANONYMOUS)
                .build();
    }
}
