package dev.streamjournal.cors;

import io.smallrye.config.ConfigMapping;
import java.util.List;
import java.util.Optional;

/** Browser apps on other origins ({@code journal.cors.*}). */
@ConfigMapping(prefix = "journal.cors")
public interface CorsConfig {

    /**
     * The origins (scheme, host and port, as a browser sends them in {@code Origin}) whose pages may call
     * the API; unset, no other origin may.
     */
    Optional<List<String>> origins();
}
