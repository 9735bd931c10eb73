package dev.streamjournal.support;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/** Authentication on, verifying the tokens {@link Tokens} signs. */
public class AuthOn implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        // a clock skew, as deployments often allow: a token a few seconds past its expiry still verifies
        return Map.of("journal.auth.enabled", "true",
                "mp.jwt.verify.publickey.location", "auth/public-key.pem",
                "mp.jwt.verify.issuer", Tokens.ISSUER,
                "mp.jwt.verify.clock.skew", "60");
    }
}
