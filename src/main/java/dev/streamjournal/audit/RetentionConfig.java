package dev.streamjournal.audit;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** Retention ({@code journal.retention.*}); both ages unset (the default) means nothing is pruned. */
@ConfigMapping(prefix = "journal.retention")
public interface RetentionConfig {

    /** After this age of a closed stream, its event payloads are emptied; status, transcript and lifecycle stay. */
    Optional<Duration> payloads();

    /** After this age of a closed stream, the stream, its events and its transcript messages are deleted. */
    Optional<Duration> streams();

    /** How often each replica runs a retention pass. */
    @WithDefault("1m")
    Duration interval();

    /** Most streams one pass prunes per kind. */
    @WithDefault("200")
    int batch();
}
