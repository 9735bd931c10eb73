package dev.streamjournal.journal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * {@code bench/sql/append-1.sql}, the SQL baseline of the append benchmark, is the service's
 * {@link JournalRepository#APPEND_CONTINUING} with each parameter replaced by one literal (the same
 * wherever that parameter appears), so the benchmark measures the statement the service runs.
 */
class BenchSqlTest {

    private static final Pattern PARAMETER = Pattern.compile("\\$(\\d+)");

    @Test
    void theBenchmarksAppendSql_isTheServicesStatement() throws IOException {
        String file = Files.readAllLines(Path.of("bench/sql/append-1.sql")).stream()
                .filter(line -> !line.startsWith("--"))
                .collect(Collectors.joining("\n"));

        assertThat(Pattern.compile(template(JournalRepository.APPEND_CONTINUING) + ";").matcher(file.strip()).matches())
                .as("bench/sql/append-1.sql is JournalRepository.APPEND_CONTINUING with literal parameters")
                .isTrue();
    }

    /** The sharded baseline is the service's two statements of a continuing append, each with literal parameters. */
    @Test
    void theBenchmarksShardedAppendSql_isTheServicesShardedAppend() throws IOException {
        String file = Files.readAllLines(Path.of("bench/sql/append-1-sharded.sql")).stream()
                .filter(line -> !line.startsWith("--"))
                .collect(Collectors.joining("\n"));
        String statements = template(JournalRepository.CONTINUE_STREAM, "moved") + "\\s*\\\\gset\\s*"
                + template(JournalRepository.INSERT_EVENT, "inserted");
        assertThat(Pattern.compile("BEGIN;\\s*" + statements + ";\\s*COMMIT;").matcher(file.strip()).matches())
                .as("bench/sql/append-1-sharded.sql is CONTINUE_STREAM and INSERT_EVENT with literal parameters")
                .isTrue();
    }

    @Test
    void aChangedStatement_isCaught() throws IOException {
        String file = Files.readString(Path.of("bench/sql/append-1.sql"));
        String changed = JournalRepository.APPEND_CONTINUING.replace("for update skip locked", "for update");

        assertThat(Pattern.compile(template(changed)).matcher(file).find()).isFalse();
    }

    /** A pattern of the statement: its text as is (any run of blanks alike), each $N one consistent literal. */
    private static String template(String sql) {
        return template(sql, "p");
    }

    /** As {@link #template(String)}, its groups named with {@code prefix} (to join several statements). */
    private static String template(String sql, String prefix) {
        StringBuilder pattern = new StringBuilder();
        Set<String> seen = new HashSet<>();
        Matcher parameter = PARAMETER.matcher(sql.strip());
        int from = 0;
        while (parameter.find()) {
            pattern.append(text(sql.strip().substring(from, parameter.start())));
            String name = prefix + parameter.group(1);
            pattern.append(seen.add(name) ? "(?<" + name + ">.+?)" : "\\k<" + name + ">");
            from = parameter.end();
        }
        return pattern.append(text(sql.strip().substring(from))).toString();
    }

    private static String text(String literal) {
        return String.join("\\s+", Arrays.stream(literal.split("\\s+", -1)).map(Pattern::quote).toList());
    }
}
