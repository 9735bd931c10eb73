package dev.streamjournal.session;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.io.Serializable;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** One message of a session's transcript, read-only here; {@code message} is its stored JSON text. */
@Entity
@Table(name = "transcript_messages")
@IdClass(TranscriptMessageEntity.Key.class)
public class TranscriptMessageEntity extends PanacheEntityBase {

    /** The composite key (session, place in the transcript). */
    public static class Key implements Serializable {
        public String sessionId;
        public long idx;

        @Override
        public boolean equals(Object other) {
            return other instanceof Key key && key.idx == idx && java.util.Objects.equals(key.sessionId, sessionId);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hash(sessionId, idx);
        }
    }

    @Id
    @Column(name = "session_id")
    public String sessionId;

    @Id
    public long idx;

    @Column(name = "stream_id")
    public String streamId;

    @JdbcTypeCode(SqlTypes.JSON)
    public String message;
}
