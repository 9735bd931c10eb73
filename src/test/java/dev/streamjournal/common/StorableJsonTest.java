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
    void numbersThatJsonbWouldStoreInMoreThan1000Digits_areRefused() throws Exception {
        // jsonb writes numbers out in full: these would be stored as 131,073 and 16,384 digits
        assertThat(problem("{\"n\":1e131072}")).isEqualTo("data.n is a number of 131073 digits as the journal stores it (at most 1000)");
        assertThat(problem("{\"n\":1e-16383}")).isEqualTo("data.n is a number of 16384 digits as the journal stores it (at most 1000)");
        assertThat(problem("{\"n\":1e1000}")).startsWith("data.n is a number of 1001 digits");
        assertThat(problem("{\"n\":[1e-1000]}")).startsWith("data.n[0] is a number of 1001 digits");
    }

    @Test
    void numbersOfAtMost1000StoredDigits_areStored() throws Exception {
        assertThat(problem("{\"n\":1e999}")).isNull();
        assertThat(problem("{\"n\":1e-999}")).isNull();
        assertThat(problem("{\"n\":" + "9".repeat(1000) + "}")).isNull();
        assertThat(problem("{\"n\":1.50,\"m\":-0.0,\"k\":1E3}")).isNull();
        // jsonb stores a zero with an exponent as 0
        assertThat(problem("{\"z\":0e1000,\"y\":-0E+5000}")).isNull();
    }
}
