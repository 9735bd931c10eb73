package dev.streamjournal.security;

import static dev.streamjournal.support.Api.id;
import static dev.streamjournal.support.Tokens.TENANT_A;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamjournal.support.AuthOn;
import dev.streamjournal.support.Tokens;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.jwt.auth.principal.DefaultJWTCallerPrincipal;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.jwt.NumericDate;
import org.junit.jupiter.api.Test;

/**
 * Verified tokens kept by the replica: a token presented again is taken from them, with its roles and
 * no more, never past its expiry, and nothing that differs from a verified token by one character of its
 * signature is let through.
 */
@QuarkusTest
@TestProfile(AuthOn.class)
class VerifiedTokensTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Inject
    MeterRegistry registry;

    private double gets(String result) {
        return registry.get("cache.gets").tag("cache", "verified-tokens").tag("result", result).functionCounter().count();
    }

    private static int status(String token) {
        return given().header("Authorization", "Bearer " + token).get("/v1/streams").statusCode();
    }

    @Test
    void aTokenPresentedAgain_isTakenFromTheVerifiedTokens_withItsRolesAndTenant() {
        String reader = Tokens.of("reader-again", TENANT_A, Roles.READER);
        double misses = gets("miss");
        double hits = gets("hit");

        assertThat(status(reader)).isEqualTo(200);
        assertThat(gets("miss")).as("verified the first time").isEqualTo(misses + 1);
        assertThat(status(reader)).isEqualTo(200);
        assertThat(gets("hit")).as("kept the second time").isEqualTo(hits + 1);

        // the kept identity carries the token's roles, not more
        given().header("Authorization", "Bearer " + reader).contentType("application/json")
                .body("{\"streamId\":\"" + id("st") + "\"}")
                .post("/v1/sessions/{s}/streams", id("s")).then().statusCode(403);
    }

    @Test
    void aVerifiedTokenWithOneCharacterOfItsSignatureChanged_isRefused() {
        String good = Tokens.of("tamper-check", TENANT_A, Roles.READER);
        assertThat(status(good)).isEqualTo(200);
        char last = good.charAt(good.length() - 2);
        String tampered = good.substring(0, good.length() - 2) + (last == 'A' ? 'B' : 'A') + good.charAt(good.length() - 1);

        assertThat(status(tampered)).isEqualTo(401);
        assertThat(status(tampered)).as("refused again: a failure is never kept").isEqualTo(401);
        assertThat(status(good)).isEqualTo(200);
    }

    @Test
    void aTokenPastItsExpiry_isVerifiedAgain_notTakenFromTheCache() {
        Instant expiry = Instant.now().plusSeconds(2);
        String shortLived = Tokens.expiringAt(expiry, "short-lived", TENANT_A, Roles.READER);
        assertThat(status(shortLived)).isEqualTo(200);
        await().atMost(TIMEOUT).until(() -> Instant.now().isAfter(expiry.plusMillis(100)));
        double misses = gets("miss");

        // within the verifier's clock skew (60 s here) verification still accepts it; the cache did not answer
        assertThat(status(shortLived)).isEqualTo(200);
        assertThat(gets("miss")).isEqualTo(misses + 1);
    }

    @Test
    void aTokenIsKeptUntilItsExpiry_andNoLongerThanTheLongestTime() {
        Clock clock = Clock.fixed(Instant.parse("2026-12-04T12:00:00Z"), ZoneOffset.UTC);
        Duration longest = Duration.ofSeconds(60);
        assertThat(VerifiedTokens.keptFor(expiringIn(clock, 10), longest, clock)).isEqualTo(Duration.ofSeconds(10));
        assertThat(VerifiedTokens.keptFor(expiringIn(clock, 7200), longest, clock)).isEqualTo(longest);
        assertThat(VerifiedTokens.keptFor(expiringIn(clock, -5), longest, clock)).isZero();
    }

    private static JsonWebToken expiringIn(Clock clock, long seconds) {
        long exp = clock.instant().getEpochSecond() + seconds;
        JwtClaims claims = new JwtClaims();
        claims.setExpirationTime(NumericDate.fromSeconds(exp));
        return new DefaultJWTCallerPrincipal(claims);
    }
}
