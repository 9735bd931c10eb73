package dev.streamjournal.aisdk;

import jakarta.ws.rs.NameBinding;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the AI SDK's resume endpoint: before any byte is sent, {@link ResumeFilter} finds the session (a
 * problem document for a bad or unknown one) and decides what to resume (204 for nothing).
 */
@NameBinding
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@interface Resumable {

    /** The request property that holds the {@code SessionView}. */
    String SESSION = "dev.streamjournal.aisdk.session";

    /** The request property that holds the id of the stream to replay. */
    String STREAM = "dev.streamjournal.aisdk.stream";
}
