package dev.streamjournal.session;

import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/** Checks of session rows through Hibernate Reactive with Panache (live channels ask once per connection). */
@ApplicationScoped
public class SessionQueries {

    /** True when the tenant has this session. */
    @WithSession
    public Uni<Boolean> exists(String sessionId, String tenant) {
        return SessionEntity.count("sessionId = ?1 and tenant = ?2", sessionId, tenant).map(count -> count > 0);
    }
}
