package io.turnpike.observe;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.core.util.FileSize;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file target rotates by size without losing or repeating a line; rotated files stay as written
 * unless {@code compress} asks for gzip. The test's sink prunes nothing: with the gateway's pruning
 * (14 days, 2 GiB), logback 1.5.38's clean-up, which runs after each rotation, deleted the day's
 * first rotated files "as historically stale" in about one run in eight, right after a start, with
 * rotations milliseconds to tens of milliseconds apart (its status said "Multiple periods, i.e. 6
 * periods, seem to have elapsed").
 */
class RollingFileSinkTest {
    private static final Pattern ROTATED = Pattern.compile("access\\.log\\.\\d{4}-\\d{2}-\\d{2}\\.(\\d+)(\\.gz)?");
    private static final int LINES = 3_000;

    @TempDir Path dir;

    @Test
    void rotatedFilesStayPlainTextByDefault() throws IOException {
        Path file = dir.resolve("access.log");
        writeLines(new RollingFileSink(file.toString(), false, FileSize.valueOf("32KB"), 0));

        List<Path> rotated = rotated();
        assertThat(rotated).hasSizeGreaterThan(3);
        assertThat(rotated).allSatisfy(p -> assertThat(p.getFileName().toString()).doesNotEndWith(".gz"));
        assertThat(linesOf(rotated, file)).isEqualTo(expected());
    }

    @Test
    void compressGzipsEachRotatedFile() throws Exception {
        Path file = dir.resolve("access.log");
        writeLines(new RollingFileSink(file.toString(), true, FileSize.valueOf("32KB"), 0));

        // logback gzips each rotated file on a thread of its own, and closing waits for the last one
        // only: give the others a few seconds to finish
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline && !allWritten(file)) {
            Thread.sleep(20);
        }
        List<Path> rotated = rotated();
        assertThat(rotated).hasSizeGreaterThan(3);
        assertThat(rotated).allSatisfy(p -> assertThat(p.getFileName().toString()).endsWith(".gz"));
        assertThat(linesOf(rotated, file)).isEqualTo(expected());
    }

    /** Batches of 25 lines of ~100 bytes: 300 KB in all, so about ten files of 32 KB. */
    private static void writeLines(RollingFileSink sink) throws IOException {
        StringBuilder batch = new StringBuilder();
        for (int i = 0; i < LINES; i++) {
            batch.append(line(i)).append('\n');
            if (i % 25 == 24 || i == LINES - 1) {
                byte[] bytes = batch.toString().getBytes(StandardCharsets.UTF_8);
                sink.write(bytes, bytes.length, 0);
                batch.setLength(0);
            }
        }
        sink.close(); // waits for a compression still running
    }

    private static String line(int i) {
        return "{\"requestId\":\"" + i + "\",\"path\":\"/api/users/" + i + "\",\"status\":200,\"padding\":\""
                + "x".repeat(40) + "\"}";
    }

    private static List<String> expected() {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < LINES; i++) lines.add(line(i));
        return lines;
    }

    /** The rotated files, oldest first (by their index). */
    private List<Path> rotated() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> ROTATED.matcher(p.getFileName().toString()).matches())
                    .sorted(Comparator.comparingInt(RollingFileSinkTest::index))
                    .toList();
        }
    }

    private static int index(Path p) {
        Matcher m = ROTATED.matcher(p.getFileName().toString());
        if (!m.matches()) throw new IllegalArgumentException(p.toString());
        return Integer.parseInt(m.group(1));
    }

    /** Whether every line can be read back yet (a file still being gzipped reads short or fails). */
    private boolean allWritten(Path current) {
        try {
            return linesOf(rotated(), current).equals(expected());
        } catch (IOException e) {
            return false;
        }
    }

    /** Every line of the rotated files in order, then of the current file. */
    private static List<String> linesOf(List<Path> rotated, Path current) throws IOException {
        List<String> lines = new ArrayList<>();
        for (Path p : rotated) {
            byte[] bytes;
            if (p.getFileName().toString().endsWith(".gz")) {
                try (InputStream in = new GZIPInputStream(Files.newInputStream(p))) {
                    bytes = in.readAllBytes();
                }
            } else {
                bytes = Files.readAllBytes(p);
            }
            lines.addAll(new String(bytes, StandardCharsets.UTF_8).lines().toList());
        }
        lines.addAll(Files.readAllLines(current));
        return lines;
    }
}
