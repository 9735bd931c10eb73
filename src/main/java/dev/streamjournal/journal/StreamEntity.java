package dev.streamjournal.journal;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;

/** The {@code streams} row, read-only: every write goes through the journal's transactions. */
@Entity
@Table(name = "streams")
public class StreamEntity extends PanacheEntityBase {

    @Id
    @Column(name = "stream_id")
    public String streamId;

    @Column(name = "session_id")
    public String sessionId;

    public String tenant;

    @Column(name = "created_at")
    public OffsetDateTime createdAt;

    @Column(name = "last_seq")
    public int lastSeq;

    @Column(name = "last_event")
    public String lastEvent;

    @Column(name = "last_event_at")
    public OffsetDateTime lastEventAt;

    @Column(name = "terminal_state")
    public String terminalState;

    public boolean closed;

    @Column(name = "superseded_by")
    public String supersededBy;

    @Column(name = "lease_expires_at")
    public OffsetDateTime leaseExpiresAt;
}
