package dev.streamjournal.security;

import java.time.Instant;

/**
 * Who makes a request: the principal recorded in the journal and the lifecycle log, the tenant that
 * scopes every session and stream the caller can see, and when the caller's token expires (null
 * without one): a live connection opened with the token ends then.
 */
public record Caller(String principal, String tenant, Instant expiresAt) {

    /** The caller of a request without a token while authentication is off. */
    public static final Caller ANONYMOUS = new Caller("anonymous", "default", null);
}
