package dev.streamjournal.common;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;

/**
 * Request bodies are read strictly: no coercion of "12" or 1.5 into 12 or 1, no trailing garbage, no null
 * primitives, and numbers in free-form JSON read exactly (as decimals, never as doubles).
 */
@Singleton
public class StrictJson implements ObjectMapperCustomizer {

    /** Deepest nesting of arrays and objects a request body may have. */
    public static final int MAX_NESTING = 256;

    @Override
    public void customize(ObjectMapper mapper) {
        mapper.configure(MapperFeature.ALLOW_COERCION_OF_SCALARS, false);
        mapper.enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
        mapper.disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
        mapper.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        mapper.enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
        // numbers in event data keep their exact value (a double would round 0.1 + digits, and turn 1e400
        // into Infinity, which is not JSON); jsonb then stores them as numerics
        mapper.enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
        mapper.configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false);
        // well below the writer's bound of 1,000 levels: what is accepted can always be written back,
        // inside a transcript message too
        mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(MAX_NESTING).build());
    }
}
