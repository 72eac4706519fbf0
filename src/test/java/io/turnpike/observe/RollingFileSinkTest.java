package io.turnpike.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A file target rotates by size and by day without losing or repeating a line, prunes by the dates
 * in the rotated files' names and by their total size, and gzips only when asked.
 */
class RollingFileSinkTest {
    private static final Pattern ROTATED = Pattern.compile("access\\.log\\.(\\d{4}-\\d{2}-\\d{2})\\.(\\d+)(\\.gz)?");
    private static final int LINES = 3_000;
    private static final long KB_32 = 32 * 1024;
    private static final Instant NOON = Instant.parse("2026-12-05T12:00:00Z");

    @TempDir Path dir;
    private final MovableClock clock = new MovableClock(NOON);

    /**
     * Rotations a few milliseconds apart right after a start, with the real pruning (14 days, 2 GiB):
     * every line is read back. logback's policy, used before, deleted the day's first rotated files
     * "as historically stale" in about one run in eight of this.
     */
    @RepeatedTest(5)
    void rotatesBySizeWithoutLosingALineAndKeepsRotatedFilesAsWritten() throws IOException {
        Path file = dir.resolve("access.log");
        writeLines(sink(file, false, RollingFileSink.MAX_TOTAL_BYTES), 0, LINES);

        List<Path> rotated = rotated();
        assertThat(rotated).hasSizeGreaterThan(8);
        assertThat(rotated).allSatisfy(p -> assertThat(p.getFileName().toString()).startsWith("access.log.2026-12-05.").doesNotEndWith(".gz"));
        assertThat(rotated).allSatisfy(p -> assertThat(Files.size(p)).isLessThanOrEqualTo(KB_32).isGreaterThan(KB_32 - 4096));
        assertThat(linesOf(rotated, file)).isEqualTo(expected(0, LINES));
    }

    @Test
    void compressGzipsEachRotatedFileBeforeCloseReturns() throws IOException {
        Path file = dir.resolve("access.log");
        writeLines(sink(file, true, RollingFileSink.MAX_TOTAL_BYTES), 0, LINES);

        List<Path> rotated = rotated();
        assertThat(rotated).hasSizeGreaterThan(8);
        assertThat(rotated).allSatisfy(p -> assertThat(p.getFileName().toString()).endsWith(".gz"));
        assertThat(linesOf(rotated, file)).isEqualTo(expected(0, LINES));
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).allMatch(n -> n.equals("access.log") || n.endsWith(".gz"));
        }
    }

    @Test
    void aNewDayRotatesTheFileUnderTheDayItsLinesWereWritten() throws IOException {
        Path file = dir.resolve("access.log");
        RollingFileSink sink = sink(file, false, RollingFileSink.MAX_TOTAL_BYTES);
        write(sink, 0, 10);
        clock.advance(Duration.ofDays(1));
        write(sink, 10, 20);
        sink.close();

        assertThat(Files.readAllLines(dir.resolve("access.log.2026-12-05.0"))).isEqualTo(expected(0, 10));
        assertThat(Files.readAllLines(file)).isEqualTo(expected(10, 20));
        assertThat(rotated()).hasSize(1);
    }

    @Test
    void aFileLeftFromAnEarlierDayIsRotatedUnderThatDayAtTheFirstLine() throws IOException {
        Path file = dir.resolve("access.log");
        Files.write(file, expected(0, 5));
        Files.setLastModifiedTime(file, FileTime.from(NOON.minus(Duration.ofDays(3))));

        RollingFileSink sink = sink(file, false, RollingFileSink.MAX_TOTAL_BYTES);
        write(sink, 5, 8);
        sink.close();

        assertThat(Files.readAllLines(dir.resolve("access.log.2026-12-02.0"))).isEqualTo(expected(0, 5));
        assertThat(Files.readAllLines(file)).isEqualTo(expected(5, 8));
    }

    @Test
    void aRestartAppendsToTodaysFileAndCarriesOnWithTheNextIndex() throws IOException {
        Path file = dir.resolve("access.log");
        writeLines(sink(file, false, RollingFileSink.MAX_TOTAL_BYTES), 0, LINES);
        int before = rotated().size();
        writeLines(sink(file, false, RollingFileSink.MAX_TOTAL_BYTES), LINES, 2 * LINES);

        List<Path> rotated = rotated();
        assertThat(rotated).hasSizeGreaterThan(before);
        assertThat(linesOf(rotated, file)).isEqualTo(expected(0, 2 * LINES));
    }

    @Test
    void rotatedFilesOlderThanTheDaysKeptAreRemovedAndOthersLeftAlone() throws IOException {
        Path file = dir.resolve("access.log");
        LocalDate today = LocalDate.ofInstant(NOON, ZoneOffset.UTC);
        Path old = Files.writeString(dir.resolve("access.log." + today.minusDays(15) + ".3.gz"), "old\n");
        Path oldPlain = Files.writeString(dir.resolve("access.log." + today.minusDays(30) + ".0"), "old\n");
        Path kept = Files.writeString(dir.resolve("access.log." + today.minusDays(14) + ".0"), "kept\n");
        Path other = Files.writeString(dir.resolve("other.log." + today.minusDays(30) + ".0"), "not ours\n");
        Path notRotated = Files.writeString(dir.resolve("access.log.backup"), "not ours\n");

        RollingFileSink sink = sink(file, false, RollingFileSink.MAX_TOTAL_BYTES);
        write(sink, 0, 3);
        sink.close(); // waits for the pruning started with the sink

        assertThat(old).doesNotExist();
        assertThat(oldPlain).doesNotExist();
        assertThat(kept).exists();
        assertThat(other).exists();
        assertThat(notRotated).exists();
    }

    @Test
    void theOldestRotatedFilesGoOnceAllOfThemAreOverTheSizeKept() throws IOException {
        Path file = dir.resolve("access.log");
        writeLines(sink(file, false, 4 * KB_32), 0, LINES);

        List<Path> rotated = rotated();
        assertThat(rotated).hasSizeBetween(3, 4);
        long total = 0;
        for (Path p : rotated) total += Files.size(p);
        assertThat(total).isLessThanOrEqualTo(4 * KB_32);
        // what is left is the newest lines, each once, in order
        List<String> left = linesOf(rotated, file);
        assertThat(left).isEqualTo(expected(LINES - left.size(), LINES));
    }

    @Test
    void aPathWithPercentSignsIsTakenAsItIs() throws IOException {
        Path file = dir.resolve("a%d%i.log");
        RollingFileSink sink = new RollingFileSink(file, false, 1024, 14, RollingFileSink.MAX_TOTAL_BYTES, clock);
        write(sink, 0, 20);
        write(sink, 20, 40);
        sink.close();

        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).contains("a%d%i.log", "a%d%i.log.2026-12-05.0");
        }
    }

    @Test
    void aMissingFolderIsCreatedAndAnUnwritableTargetIsRefused() throws IOException {
        Path file = dir.resolve("logs/turnpike/access.log");
        RollingFileSink sink = sink(file, false, RollingFileSink.MAX_TOTAL_BYTES);
        write(sink, 0, 1);
        sink.close();
        assertThat(Files.readAllLines(file)).isEqualTo(expected(0, 1));

        Files.createDirectory(dir.resolve("taken.log"));
        assertThatThrownBy(() -> sink(dir.resolve("taken.log"), false, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("taken.log (expected: a writable file path)");
    }

    /** logrotate's default (rename, no postrotate signal), and a file removed by hand. */
    @Test
    void aFileMovedOrRemovedBySomeoneElseIsNoticedAndANewOneStarted() throws Exception {
        Path file = dir.resolve("access.log");
        RollingFileSink sink = sink(file, false, RollingFileSink.MAX_TOTAL_BYTES);
        write(sink, 0, 10);
        Path moved = Files.move(file, dir.resolve("access.log.1"));
        Thread.sleep(java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(RollingFileSink.LOOK_EVERY_NANOS) + 100);
        write(sink, 10, 20);
        assertThat(Files.readAllLines(moved)).isEqualTo(expected(0, 10));
        assertThat(Files.readAllLines(file)).isEqualTo(expected(10, 20));

        Files.delete(file);
        Thread.sleep(java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(RollingFileSink.LOOK_EVERY_NANOS) + 100);
        write(sink, 20, 30);
        sink.close();
        assertThat(Files.readAllLines(file)).isEqualTo(expected(20, 30));
        assertThat(rotated()).isEmpty();
    }

    @Test
    void aTargetThatIsNotARegularFileIsWrittenToAndNeverRotated() throws Exception {
        Path fifo = dir.resolve("access.log"); // as /dev/stdout would be under a container runtime
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        java.util.concurrent.CompletableFuture<byte[]> read = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try (InputStream in = Files.newInputStream(fifo)) {
                return in.readAllBytes();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        writeLines(sink(fifo, false, RollingFileSink.MAX_TOTAL_BYTES), 0, LINES); // ten files' worth

        assertThat(new String(read.get(10, java.util.concurrent.TimeUnit.SECONDS), StandardCharsets.UTF_8).lines())
                .isEqualTo(expected(0, LINES));
        assertThat(rotated()).isEmpty();
        assertThat(Files.isRegularFile(fifo)).isFalse();
        assertThat(fifo).exists();
    }

    private RollingFileSink sink(Path file, boolean compress, long maxTotalBytes) {
        return new RollingFileSink(file, compress, KB_32, RollingFileSink.MAX_HISTORY_DAYS, maxTotalBytes, clock);
    }

    /** Batches of 25 lines of ~100 bytes: 300 KB for 3,000 lines, so about ten files of 32 KB; then closes. */
    private static void writeLines(RollingFileSink sink, int from, int to) throws IOException {
        for (int i = from; i < to; i += 25) {
            write(sink, i, Math.min(to, i + 25));
        }
        sink.close(); // waits for a compression or pruning still running
    }

    private static void write(RollingFileSink sink, int from, int to) throws IOException {
        StringBuilder batch = new StringBuilder();
        for (int i = from; i < to; i++) batch.append(line(i)).append('\n');
        byte[] bytes = batch.toString().getBytes(StandardCharsets.UTF_8);
        sink.write(bytes, bytes.length, to - from);
    }

    private static String line(int i) {
        return "{\"requestId\":\"" + i + "\",\"path\":\"/api/users/" + i + "\",\"status\":200,\"padding\":\""
                + "x".repeat(40) + "\"}";
    }

    private static List<String> expected(int from, int to) {
        List<String> lines = new ArrayList<>();
        for (int i = from; i < to; i++) lines.add(line(i));
        return lines;
    }

    /** The rotated files, oldest first (by day, then index). */
    private List<Path> rotated() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> ROTATED.matcher(p.getFileName().toString()).matches())
                    .sorted(Comparator.comparing((Path p) -> group(p, 1)).thenComparingInt(p -> Integer.parseInt(group(p, 2))))
                    .toList();
        }
    }

    private static String group(Path p, int group) {
        Matcher m = ROTATED.matcher(p.getFileName().toString());
        if (!m.matches()) throw new IllegalArgumentException(p.toString());
        return m.group(group);
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

    /** A clock in UTC that moves only when told. */
    private static final class MovableClock extends Clock {
        private volatile Instant now;

        MovableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override public ZoneId getZone() { return ZoneOffset.UTC; }
        @Override public Clock withZone(ZoneId zone) { throw new UnsupportedOperationException(); }
        @Override public Instant instant() { return now; }
    }
}
