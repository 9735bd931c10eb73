package dev.streamjournal.security;

import java.util.Set;

/** The values of the token's {@code groups} claim that the service knows. */
public final class Roles {

    /** Creates streams, appends events, sends heartbeats. */
    public static final String PRODUCER = "producer";
    /** Reads status, events, settlement, sessions and the live channels. */
    public static final String READER = "reader";
    /** Reads the audit journal and the lifecycle log. */
    public static final String AUDITOR = "auditor";
    /** Everything the other three may do, in its own tenant. */
    public static final String ADMIN = "admin";

    static final Set<String> ALL = Set.of(PRODUCER, READER, AUDITOR, ADMIN);

    private Roles() {
    }
}
