package dev.streamjournal.ds.subscription;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The bearer tokens of a wake (a webhook's callback token, a pull-wake claim's token): HMAC-SHA256 over
 * the subscription's key, its tenant, the generation and an expiry, so that a token names one
 * subscription and one generation and cannot be forged. They are not service JWTs; fencing by generation
 * and wake id, against the stored state, still decides every request.
 */
final class WakeTokens {

    private static final Base64.Encoder ENCODE = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODE = Base64.getUrlDecoder();
    private static final String PREFIX = "dsw1.";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A token's verified content. */
    record Claims(String subKey, String tenant, long generation) {
    }

    /** A verified token, or why it is refused ({@code TOKEN_INVALID}, {@code TOKEN_EXPIRED}). */
    record Verified(Claims claims, SubscriptionError error) {
    }

    private final byte[] key;

    WakeTokens(byte[] key) {
        this.key = key.clone();
    }

    String issue(String subKey, String tenant, long generation, Instant now, Duration ttl) {
        byte[] nonce = new byte[8];
        RANDOM.nextBytes(nonce);
        String payload = String.join("\n", subKey, tenant, Long.toString(generation),
                Long.toString(now.plus(ttl).getEpochSecond()), HexFormat.of().formatHex(nonce));
        String encoded = ENCODE.encodeToString(payload.getBytes(StandardCharsets.UTF_8));
        return PREFIX + encoded + "." + ENCODE.encodeToString(mac(encoded));
    }

    Verified verify(String token, Instant now) {
        SubscriptionError invalid = SubscriptionError.of(401, SubscriptionError.TOKEN_INVALID, "Token invalid");
        if (token == null || !token.startsWith(PREFIX)) {
            return new Verified(null, invalid);
        }
        String[] parts = token.substring(PREFIX.length()).split("\\.", -1);
        if (parts.length != 2) {
            return new Verified(null, invalid);
        }
        try {
            if (!MessageDigest.isEqual(mac(parts[0]), DECODE.decode(parts[1]))) {
                return new Verified(null, invalid);
            }
            String[] fields = new String(DECODE.decode(parts[0]), StandardCharsets.UTF_8).split("\n", -1);
            if (fields.length != 5) {
                return new Verified(null, invalid);
            }
            if (now.getEpochSecond() >= Long.parseLong(fields[3])) {
                return new Verified(null, SubscriptionError.of(401, SubscriptionError.TOKEN_EXPIRED, "Token expired"));
            }
            return new Verified(new Claims(fields[0], fields[1], Long.parseLong(fields[2])), null);
        } catch (IllegalArgumentException e) {
            return new Verified(null, invalid);
        }
    }

    private byte[] mac(String payload) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(payload.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }
}
