package dev.streamjournal.common;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** What jsonb cannot hold is found, with its path, before anything is written. */
class StorableJsonTest {

    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private static String problem(String json) throws Exception {
        JsonNode node = JSON.readTree(json);
        return StorableJson.problem(node, "data");
    }

    @Test
    void ordinaryJson_includingEmojiRtlAndLargeNumbers_isStorable() throws Exception {
        assertThat(problem("{\"text\":\"héllo 👋 مرحبا \\u202e\",\"n\":1e+20,\"m\":1E3,\"f\":0.1,\"big\":123456789012345678901234567890,"
                + "\"deep\":[[[{\"a\":[1,2,{\"b\":null}]}]]],\"t\":true}")).isNull();
        assertThat(problem("{\"n\":1e131071,\"f\":1e-16383}")).isNull();
    }

    @Test
    void nul_inAValueKeyOrArray_isNamedByItsPath() throws Exception {
        assertThat(problem("{\"text\":\"a\\u0000b\"}")).isEqualTo("data.text contains U+0000, which the journal cannot store");
        assertThat(problem("{\"a\\u0000\":1}")).startsWith("data key 'a\\u0000' contains U+0000");
        assertThat(problem("{\"args\":[1,[\"x\",\"\\u0000\"]]}")).startsWith("data.args[1][1] contains U+0000");
    }

    @Test
    void loneSurrogates_areRefused_pairsAreText() throws Exception {
        assertThat(problem("{\"t\":\"\\ud83d\\ude00\"}")).isNull();
        assertThat(problem("{\"t\":\"\\ud83d\"}")).isEqualTo("data.t contains a lone surrogate (U+D83D), which is not text");
        assertThat(problem("{\"t\":\"x\\ude00y\"}")).startsWith("data.t contains a lone surrogate (U+DE00)");
        assertThat(problem("{\"t\":\"\\ude00\\ud83d\"}")).startsWith("data.t contains a lone surrogate (U+DE00)");
    }

    @Test
    void numbersBeyondJsonbsNumericRange_areRefused() throws Exception {
        assertThat(problem("{\"n\":1e131072}")).startsWith("data.n is a number beyond the journal's range");
        assertThat(problem("{\"n\":1e-16384}")).startsWith("data.n is a number beyond the journal's range");
    }
}
