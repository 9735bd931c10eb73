package dev.streamjournal.support;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/** Authentication on, verifying the tokens {@link Tokens} signs. */
public class AuthOn implements QuarkusTestProfile {

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("journal.auth.enabled", "true",
                "mp.jwt.verify.publickey.location", "auth/public-key.pem",
                "mp.jwt.verify.issuer", Tokens.ISSUER);
    }
}
