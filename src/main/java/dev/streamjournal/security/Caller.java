package dev.streamjournal.security;

/**
 * Who makes a request: the principal recorded in the journal and the lifecycle log, and the tenant
 * that scopes every session and stream the caller can see.
 */
public record Caller(String principal, String tenant) {

    /** The caller of a request without a token while authentication is off. */
    public static final Caller ANONYMOUS = new Caller("anonymous", "default");
}
