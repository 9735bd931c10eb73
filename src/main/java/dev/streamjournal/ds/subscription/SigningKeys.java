package dev.streamjournal.ds.subscription;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.Tuple;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicReference;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jboss.logging.Logger;

/**
 * The webhook signing key: Ed25519, kept in PostgreSQL (slot 1) so that every replica signs with the same
 * key and publishes the same JWK Set, across restarts. Its {@code kid} is {@code ds_} and the key's JWK
 * thumbprint (RFC 7638). The wake tokens' HMAC key is derived from the private key.
 */
@ApplicationScoped
public class SigningKeys {

    private static final Logger LOG = Logger.getLogger(SigningKeys.class);
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();
    private static final ObjectMapper JSON = new ObjectMapper();

    static final String KEY = """
            select kid, private_key, public_key from ds_signing_keys where slot = 1
            """;

    static final String INSERT_KEY = """
            insert into ds_signing_keys (slot, kid, private_key, public_key) values (1, $1, $2, $3)
            on conflict (slot) do nothing
            """;

    /** The key in use: its id, private key, raw public key and the tokens it keys. */
    record Key(String kid, PrivateKey privateKey, byte[] rawPublic, WakeTokens tokens) {

        /** The {@code Webhook-Signature} of a body: Ed25519 over {@code <t>.<body>}. */
        String sign(byte[] body, Instant now) {
            long t = now.getEpochSecond();
            try {
                Signature signature = Signature.getInstance("Ed25519");
                signature.initSign(privateKey);
                signature.update((t + ".").getBytes(StandardCharsets.US_ASCII));
                signature.update(body);
                return "t=" + t + ",kid=" + kid + ",ed25519=" + B64URL.encodeToString(signature.sign());
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        ObjectNode jwk() {
            return JSON.createObjectNode().put("kty", "OKP").put("crv", "Ed25519").put("kid", kid).put("use", "sig")
                    .put("alg", "EdDSA").put("x", B64URL.encodeToString(rawPublic));
        }
    }

    private final Pool pool;
    private final AtomicReference<Key> key = new AtomicReference<>();

    public SigningKeys(Pool pool) {
        this.pool = pool;
    }

    /**
     * Loads (or generates) the key before the service takes requests, so that no request writes it; a
     * database still down defers it to the first request that needs it.
     */
    void start(@Observes StartupEvent event) {
        try {
            key().await().atMost(Duration.ofSeconds(10));
        } catch (RuntimeException e) {
            LOG.infof("webhook signing key not loaded yet: %s", e.toString());
        }
    }

    /** The key, loaded once (generated and stored by the first replica that needs one). */
    Uni<Key> key() {
        Key loaded = key.get();
        if (loaded != null) {
            return Uni.createFrom().item(loaded);
        }
        return pool.preparedQuery(KEY).execute().chain(rows -> rows.size() > 0 ? Uni.createFrom().item(rows)
                        : generate().chain(() -> pool.preparedQuery(KEY).execute()))
                .map(rows -> {
                    Key stored = of(rows.iterator().next());
                    key.compareAndSet(null, stored);
                    return key.get();
                });
    }

    /** The JWK Set of the webhook signing keys. */
    Uni<byte[]> jwks() {
        return key().map(current -> {
            ObjectNode set = JSON.createObjectNode();
            set.putArray("keys").add(current.jwk());
            return set.toString().getBytes(StandardCharsets.UTF_8);
        });
    }

    private Uni<RowSet<Row>> generate() {
        try {
            KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            byte[] encoded = pair.getPublic().getEncoded();
            byte[] raw = Arrays.copyOfRange(encoded, encoded.length - 32, encoded.length);
            return pool.preparedQuery(INSERT_KEY).execute(Tuple.of(kid(raw),
                    Buffer.buffer(pair.getPrivate().getEncoded()), Buffer.buffer(raw)));
        } catch (GeneralSecurityException e) {
            return Uni.createFrom().failure(new IllegalStateException(e));
        }
    }

    private static Key of(Row row) {
        try {
            byte[] pkcs8 = row.getBuffer("private_key").getBytes();
            PrivateKey privateKey = KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
            Mac derive = Mac.getInstance("HmacSHA256");
            derive.init(new SecretKeySpec(pkcs8, "HmacSHA256"));
            byte[] tokenKey = derive.doFinal("durable-streams wake tokens".getBytes(StandardCharsets.US_ASCII));
            return new Key(row.getString("kid"), privateKey, row.getBuffer("public_key").getBytes(),
                    new WakeTokens(tokenKey));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the stored webhook signing key cannot be read", e);
        }
    }

    /** {@code ds_} and the RFC 7638 thumbprint of the key's JWK. */
    static String kid(byte[] rawPublic) {
        String members = "{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"" + B64URL.encodeToString(rawPublic) + "\"}";
        try {
            return "ds_" + B64URL.encodeToString(MessageDigest.getInstance("SHA-256")
                    .digest(members.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
