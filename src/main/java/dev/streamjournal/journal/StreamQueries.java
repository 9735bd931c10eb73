package dev.streamjournal.journal;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

/** Reads of stream rows, scoped to the caller's tenant. */
@ApplicationScoped
@WithSession
public class StreamQueries implements PanacheRepositoryBase<StreamEntity, String> {

    /** The streams of a session in creation order. */
    public Uni<List<StreamEntity>> ofSession(String sessionId, String tenant) {
        return list("sessionId = ?1 and tenant = ?2 order by createdAt, streamId", sessionId, tenant);
    }
}
