package dev.streamjournal.support;

import io.smallrye.jwt.build.Jwt;
import io.smallrye.jwt.build.JwtClaimsBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.Set;

/**
 * Signs test tokens with {@code auth/private-key.pem}; the {@link AuthOn} profile verifies them with its
 * public half. Besides good tokens it makes the bad ones a client might send.
 */
public final class Tokens {

    public static final String ISSUER = "https://issuer.test.stream-journal.dev";
    public static final String TENANT_A = "tenant-a";
    public static final String TENANT_B = "tenant-b";

    private static final PrivateKey KEY = readKey("auth/private-key.pem");

    private Tokens() {
    }

    public static String of(String subject, String tenant, String... groups) {
        return claims(subject, groups).claim("tenant", tenant).sign(KEY);
    }

    public static String bearer(String subject, String tenant, String... groups) {
        return "Bearer " + of(subject, tenant, groups);
    }

    /** A good token that expires at {@code at}. */
    public static String expiringAt(Instant at, String subject, String tenant, String... groups) {
        return claims(subject, groups).claim("tenant", tenant).issuedAt(at.minusSeconds(600)).expiresAt(at).sign(KEY);
    }

    public static String expired(String tenant, String group) {
        return claims("late", group).claim("tenant", tenant)
                .issuedAt(Instant.now().minusSeconds(7200)).expiresAt(Instant.now().minusSeconds(3600)).sign(KEY);
    }

    public static String withoutTenant(String group) {
        return claims("nobody", group).sign(KEY);
    }

    public static String withTenant(Object tenant, String group) {
        return claims("odd", group).claim("tenant", tenant).sign(KEY);
    }

    public static String otherIssuer(String tenant, String group) {
        return Jwt.issuer("https://elsewhere.example").subject("stranger").groups(Set.of(group))
                .claim("tenant", tenant).sign(KEY);
    }

    /** Well-formed and plausible, but signed with a key the service has never seen. */
    public static String forged(String tenant, String group) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return claims("forger", group).claim("tenant", tenant).sign(generator.generateKeyPair().getPrivate());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An unsigned token ({@code alg: none}) claiming the admin role. */
    public static String unsigned(String tenant) {
        Base64.Encoder encoder = Base64.getUrlEncoder().withoutPadding();
        String header = encoder.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        String payload = encoder.encodeToString(("{\"iss\":\"" + ISSUER + "\",\"sub\":\"mallory\",\"groups\":[\"admin\"],"
                + "\"tenant\":\"" + tenant + "\",\"exp\":" + Instant.now().plusSeconds(600).getEpochSecond() + "}")
                .getBytes(StandardCharsets.UTF_8));
        return header + "." + payload + ".";
    }

    /** A good token with one character of its signature changed. */
    public static String tampered(String tenant, String group) {
        String token = of("tamperer", tenant, group);
        char last = token.charAt(token.length() - 2);
        return token.substring(0, token.length() - 2) + (last == 'A' ? 'B' : 'A') + token.charAt(token.length() - 1);
    }

    private static JwtClaimsBuilder claims(String subject, String... groups) {
        return Jwt.issuer(ISSUER).subject(subject).groups(Set.of(groups)).expiresAt(Instant.now().plusSeconds(600));
    }

    private static PrivateKey readKey(String resource) {
        try (InputStream in = Tokens.class.getClassLoader().getResourceAsStream(resource)) {
            String pem = new String(in.readAllBytes(), StandardCharsets.US_ASCII)
                    .replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
            return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
