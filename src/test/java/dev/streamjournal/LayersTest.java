package dev.streamjournal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The feature packages form layers, and no import of the service's code runs back up them: a package
 * uses only packages of lower layers (or its own). A lower package that needs to reach a higher one
 * declares an interface that the higher one implements ({@code journal.Doorbell},
 * {@code settlement.SettlementFeeds}).
 */
class LayersTest {

    /** Each package's layer, lowest first. */
    private static final Map<String, Integer> LAYERS = Map.ofEntries(
            Map.entry("common", 0),
            Map.entry("security", 1),
            Map.entry("journal", 2),
            Map.entry("session", 3),
            Map.entry("settlement", 3),
            Map.entry("live", 4),
            Map.entry("audit", 4),
            Map.entry("aisdk", 5),
            Map.entry("ds", 5),
            Map.entry("cors", 5),
            Map.entry("console", 5),
            Map.entry("embedded", 5));
    private static final Path SOURCES = Path.of("src/main/java/dev/streamjournal");
    private static final Pattern IMPORT = Pattern.compile("(?m)^import (?:static )?dev\\.streamjournal\\.([a-z]+)\\.");

    @Test
    void noImportRunsBackUpTheLayers() throws IOException {
        List<String> upward = new ArrayList<>();
        int imports = 0;
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path file : files.filter(path -> path.toString().endsWith(".java")).toList()) {
                String from = SOURCES.relativize(file).getName(0).toString();
                assertThat(LAYERS).as("the layer of package %s", from).containsKey(from);
                Matcher imported = IMPORT.matcher(Files.readString(file));
                while (imported.find()) {
                    String to = imported.group(1);
                    assertThat(LAYERS).as("the layer of package %s", to).containsKey(to);
                    imports++;
                    if (!to.equals(from) && LAYERS.get(to) >= LAYERS.get(from)) {
                        upward.add(SOURCES.relativize(file) + " imports " + to);
                    }
                }
            }
        }
        assertThat(imports).as("imports of the service's packages").isGreaterThan(100);
        assertThat(upward).as("imports that run up or across the layers").isEmpty();
    }
}
