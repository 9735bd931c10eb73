package dev.streamjournal.security;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.smallrye.config.SmallRyeConfigBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.Config;
import org.junit.jupiter.api.Test;

/** The start-up rule: authentication on and no verification key means no start. */
class AuthStartupTest {

    private static AuthConfig auth(boolean enabled) {
        return new AuthConfig() {
            @Override
            public boolean enabled() {
                return enabled;
            }

            @Override
            public String tenantClaim() {
                return "tenant";
            }

            @Override
            public int tokenCacheSize() {
                return 0;
            }

            @Override
            public java.time.Duration tokenCacheTtl() {
                return java.time.Duration.ZERO;
            }
        };
    }

    private static Config config(Map<String, String> values) {
        return new SmallRyeConfigBuilder().withDefaultValues(values).build();
    }

    @Test
    void authOn_withoutAKey_refusesToStart() {
        assertThatThrownBy(() -> new AuthStartup().check(null, auth(true), config(Map.of())))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("mp.jwt.verify.publickey.location");
    }

    @Test
    void authOn_withAKeyFileThatIsNotThere_refusesToStart() {
        assertThatThrownBy(() -> new AuthStartup().check(null, auth(true),
                config(Map.of("mp.jwt.verify.publickey.location", "/nonexistent/public-key.pem"))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("/nonexistent/public-key.pem");
    }

    @Test
    void authOn_withAKeyFileAClasspathKeyAURLOrAnInlineKey_starts() throws Exception {
        Path key = Files.createTempFile("public-key", ".pem");
        for (String location : List.of(key.toString(), key.toUri().toString(), "auth/public-key.pem",
                "https://idp.example.com/certs")) {
            assertThatCode(() -> new AuthStartup().check(null, auth(true),
                    config(Map.of("mp.jwt.verify.publickey.location", location)))).as(location).doesNotThrowAnyException();
        }
        Files.delete(key);
        assertThatCode(() -> new AuthStartup().check(null, auth(true),
                config(Map.of("mp.jwt.verify.publickey", "MIIB...")))).doesNotThrowAnyException();
    }

    @Test
    void authOff_startsWithoutAKey() {
        assertThatCode(() -> new AuthStartup().check(null, auth(false), config(Map.of()))).doesNotThrowAnyException();
    }
}
