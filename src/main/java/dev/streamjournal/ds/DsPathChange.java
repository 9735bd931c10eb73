package dev.streamjournal.ds;

/**
 * A committed change of a DS path, fired (as a CDI event) on the replica that made it: messages appended
 * (by a create with a body, a fork, an append) up to {@code lastSeq}, or the path's stream removed.
 */
public record DsPathChange(String tenant, String path, long lastSeq, boolean removed) {
}
