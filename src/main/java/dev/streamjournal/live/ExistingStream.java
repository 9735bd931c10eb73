package dev.streamjournal.live;

import jakarta.ws.rs.NameBinding;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks an event-stream endpoint whose {@code streamId} must exist before the stream starts, so that an
 * unknown stream is a real 404 (an EventSource then stops) rather than an empty 200.
 */
@NameBinding
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface ExistingStream {

    /** The request property that holds the found {@code StreamStatus}. */
    String PROPERTY = "dev.streamjournal.live.stream";
}
