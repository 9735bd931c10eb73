package dev.streamjournal.session;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** The {@code sessions} row, read-only here. */
@Entity
@Table(name = "sessions")
public class SessionEntity extends PanacheEntityBase {

    @Id
    @Column(name = "session_id")
    public String sessionId;

    public String tenant;

    @Column(name = "active_stream_id")
    public String activeStreamId;

    public long revision;
}
