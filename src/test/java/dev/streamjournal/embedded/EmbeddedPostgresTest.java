package dev.streamjournal.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The embedded server keeps its data across restarts, with either source of binaries, and starts again
 * over a server that a killed service left running.
 */
class EmbeddedPostgresTest {

    @ParameterizedTest
    @EnumSource(EmbeddedPostgres.Source.class)
    void dataSurvivesARestart(EmbeddedPostgres.Source source) throws Exception {
        Path data = freshDataDir();

        try (EmbeddedPostgres first = EmbeddedPostgres.start(data, true, source);
                Connection connection = DriverManager.getConnection(first.jdbcUrl(), EmbeddedPostgres.USER, "");
                Statement sql = connection.createStatement()) {
            sql.execute("create table kept (note text)");
            sql.execute("insert into kept values ('" + source + "')");
        }

        try (EmbeddedPostgres second = EmbeddedPostgres.start(data, true, source);
                Connection connection = DriverManager.getConnection(second.jdbcUrl(), EmbeddedPostgres.USER, "");
                Statement sql = connection.createStatement();
                ResultSet rows = sql.executeQuery("select note, version() from kept")) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getString(1)).isEqualTo(source.toString());
            assertThat(rows.getString(2)).startsWith("PostgreSQL");
        }
    }

    @ParameterizedTest
    @EnumSource(EmbeddedPostgres.Source.class)
    void startsOverAServerAKilledServiceLeftRunning(EmbeddedPostgres.Source source) throws Exception {
        Path data = freshDataDir();
        // never closed: what a service killed with SIGKILL leaves behind
        EmbeddedPostgres leftover = EmbeddedPostgres.start(data, true, source);
        try (Connection connection = DriverManager.getConnection(leftover.jdbcUrl(), EmbeddedPostgres.USER, "");
                Statement sql = connection.createStatement()) {
            sql.execute("create table kept (note text)");
            sql.execute("insert into kept values ('before the crash')");
        }

        try (EmbeddedPostgres next = EmbeddedPostgres.start(data, true, source);
                Connection connection = DriverManager.getConnection(next.jdbcUrl(), EmbeddedPostgres.USER, "");
                Statement sql = connection.createStatement();
                ResultSet rows = sql.executeQuery("select note from kept")) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getString(1)).isEqualTo("before the crash");
            assertThatThrownBy(() -> DriverManager.getConnection(leftover.jdbcUrl(), EmbeddedPostgres.USER, "").close())
                    .as("the leftover server was stopped").isInstanceOf(SQLException.class);
        }
    }

    /** A data directory in a new temp directory, readable by user postgres (the system binaries run as it). */
    private static Path freshDataDir() throws IOException {
        return Files.createTempDirectory("stream-journal-embedded-test-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x"))).resolve("pg");
    }
}
