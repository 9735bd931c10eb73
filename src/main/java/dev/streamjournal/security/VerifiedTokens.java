package dev.streamjournal.security;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;
import io.smallrye.jwt.auth.principal.DefaultJWTCallerPrincipalFactory;
import io.smallrye.jwt.auth.principal.JWTAuthContextInfo;
import io.smallrye.jwt.auth.principal.JWTCallerPrincipal;
import io.smallrye.jwt.auth.principal.JWTCallerPrincipalFactory;
import io.smallrye.jwt.auth.principal.ParseException;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import java.time.Clock;
import java.time.Duration;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Bearer tokens this replica has verified, kept so that a client presenting the same token again is
 * not verified again (signature, issuer, claims). smallrye-jwt verifies a token the first time, through
 * this factory of its principals; the verified principal is then kept, keyed by the whole token (its
 * signature included, so that no other text can find it), until the token's {@code exp} and at most
 * {@code journal.auth.token-cache-ttl}: a verification key withdrawn from the key set stops being
 * honoured within that time, as a cache of the key set would. Each request still gets a security
 * identity of its own. A token that fails verification is never kept. {@code journal.auth.token-cache-size}
 * bounds the entries; {@code 0} turns the cache off.
 */
@ApplicationScoped
@Alternative
@Priority(1)
public class VerifiedTokens extends JWTCallerPrincipalFactory {

    private final JWTCallerPrincipalFactory verifier = new DefaultJWTCallerPrincipalFactory();
    private final Cache<String, JWTCallerPrincipal> verified;
    private final boolean enabled;

    public VerifiedTokens(AuthConfig config, MeterRegistry registry) {
        this.enabled = config.tokenCacheSize() > 0;
        Duration longest = config.tokenCacheTtl();
        Clock clock = Clock.systemUTC();
        this.verified = Caffeine.newBuilder()
                .maximumSize(Math.max(1, config.tokenCacheSize()))
                .expireAfter(Expiry.<String, JWTCallerPrincipal>creating((token, jwt) -> keptFor(jwt, longest, clock)))
                .recordStats()
                .build();
        CaffeineCacheMetrics.monitor(registry, verified, "verified-tokens");
    }

    @Override
    public JWTCallerPrincipal parse(String token, JWTAuthContextInfo context) throws ParseException {
        if (!enabled) {
            return verifier.parse(token, context);
        }
        JWTCallerPrincipal known = verified.getIfPresent(token);
        if (known != null) {
            return known;
        }
        JWTCallerPrincipal principal = verifier.parse(token, context);
        verified.put(token, principal);
        return principal;
    }

    /** How long a verified token is kept: until its expiry, at most {@code longest}; not at all once expired. */
    static Duration keptFor(JsonWebToken jwt, Duration longest, Clock clock) {
        long exp = jwt.getExpirationTime();
        if (exp <= 0) {
            return longest;
        }
        Duration left = Duration.ofSeconds(exp).minusMillis(clock.millis());
        return left.isNegative() ? Duration.ZERO : left.compareTo(longest) < 0 ? left : longest;
    }
}
