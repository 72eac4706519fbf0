package io.turnpike.observe;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Access log lines in a file rotated daily and at 100 MiB, as logrotate would: the file is renamed
 * to {@code access.log.2026-12-05.0}, {@code .1}, ... (the day its lines were written) and a new one
 * is started. Rotated files of the last 14 days are kept, at most 2 GiB of them, the oldest removed
 * first. Each rotated file stays as written or, when asked, is gzipped ({@code .0.gz}); gzip is off by
 * default because it costs about a second of CPU per 100 MiB, taken from the gateway's own cores
 * (nginx leaves compression to logrotate).
 *
 * <p>The writer thread of {@link AccessLog} is the only caller of {@link #write}: it appends each
 * batch with one write and renames the file when it rotates. Gzip and pruning run after a rotation
 * on a thread of their own, one job at a time, so neither delays the lines and they never race each
 * other. Pruning goes by the dates in the files' names against today's date, never by when the
 * process last looked, so a restart or rotations milliseconds apart cannot make a new file look
 * old. A file left from an earlier day is rotated under that day at the first line.
 */
final class RollingFileSink implements AccessLog.Sink {
    private static final Logger log = LoggerFactory.getLogger(RollingFileSink.class);

    static final long MAX_FILE_BYTES = 100L * 1024 * 1024;
    static final int MAX_HISTORY_DAYS = 14;
    static final long MAX_TOTAL_BYTES = 2L * 1024 * 1024 * 1024;
    /** How long closing waits for a gzip or pruning still running. */
    private static final long CLOSE_WAIT_SECONDS = 30;

    private final Path file;
    private final Path dir;
    private final Pattern rotatedName;
    private final Pattern partialName;
    /** False for a target that is not a regular file ({@code /dev/stdout}, a pipe): written to, never rotated. */
    private final boolean rotates;
    private final boolean compress;
    private final long maxFileBytes;
    private final int maxHistoryDays;
    private final long maxTotalBytes;
    private final Clock clock;
    private final ExecutorService housekeeping;

    private FileChannel channel;
    private long size;
    /** The day the current file's lines belong to. */
    private LocalDate day;
    /** The next rotated file's index for {@link #day}. */
    private int nextIndex;
    /** The size at which the file is rotated next (moved on when a rotation fails, so it is not retried per batch). */
    private long rotateAt;
    /** The identity (device and inode) of the file open now, to notice it was moved or removed by someone else. */
    private Object openKey;
    private long lastLookNanos = System.nanoTime();
    /** How often the path is checked against the file open (a stat on the writer thread, not per line). */
    static final long LOOK_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);

    RollingFileSink(String file, boolean compress) {
        this(Path.of(file), compress, MAX_FILE_BYTES, MAX_HISTORY_DAYS, MAX_TOTAL_BYTES, Clock.systemDefaultZone());
    }

    /** {@code maxHistoryDays} 0: rotated files are kept whatever their age. */
    RollingFileSink(Path file, boolean compress, long maxFileBytes, int maxHistoryDays, long maxTotalBytes, Clock clock) {
        this.file = file.toAbsolutePath().normalize();
        this.dir = this.file.getParent();
        String rotated = Pattern.quote(this.file.getFileName().toString()) + "\\.(\\d{4}-\\d{2}-\\d{2})\\.(\\d{1,9})";
        this.rotatedName = Pattern.compile(rotated + "(\\.gz)?");
        this.partialName = Pattern.compile(rotated + "\\.gz\\.partial");
        this.compress = compress;
        this.maxFileBytes = maxFileBytes;
        this.maxHistoryDays = maxHistoryDays;
        this.maxTotalBytes = maxTotalBytes;
        this.clock = clock;
        LocalDate today = LocalDate.now(clock);
        try {
            Files.createDirectories(dir);
            day = today;
            if (Files.isRegularFile(this.file)) {
                size = Files.size(this.file);
                LocalDate written = LocalDate.ofInstant(Files.getLastModifiedTime(this.file).toInstant(), clock.getZone());
                if (size > 0 && written.isBefore(today)) day = written; // rotated under its own day at the first line
            }
            nextIndex = firstFreeIndex(day);
            open();
            rotates = Files.isRegularFile(this.file);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("access log target: " + file + " (expected: a writable file path): " + e, e);
        }
        rotateAt = rotates ? maxFileBytes : Long.MAX_VALUE;
        housekeeping = Executors.newSingleThreadExecutor(
                Thread.ofPlatform().name("turnpike-access-log-files").daemon().factory());
        if (rotates) {
            housekeeping.execute(this::removeLeftovers);
            housekeeping.execute(this::prune);
        }
    }

    @Override
    public void write(byte[] batch, int length, int lines) throws IOException {
        LocalDate today = LocalDate.now(clock);
        if (rotates && channel != null && replacedUnderneath()) {
            // first, so that a rotation never renames a file someone else put in the old one's place
            log.info("access log {} was moved or removed by someone else: writing a new one", file);
            channel.close();
            channel = null;
            open();
            startDay(today);
            rotateAt = maxFileBytes;
        }
        if (rotates && size > 0 && (!today.equals(day) || size + length > rotateAt)) {
            rotate(today);
        } else if (rotates && !today.equals(day)) {
            startDay(today); // nothing was written on the other day: the empty file carries on
        }
        if (channel == null) open(); // the last attempt to reopen it failed: try again, or drop this batch
        ByteBuffer bytes = ByteBuffer.wrap(batch, 0, length);
        while (bytes.hasRemaining()) {
            size += channel.write(bytes);
        }
    }

    /** Renames the current file to its day and index, starts a new one, and hands the rotated one to housekeeping. */
    private void rotate(LocalDate today) throws IOException {
        if (channel != null) channel.close();
        channel = null;
        Path rotated = null;
        try {
            rotated = moveToFreeName();
        } catch (IOException e) {
            log.warn("access log {} not rotated, lines go on into it: {}", file, e.toString());
        }
        if (rotated != null) {
            size = 0;
            Path done = rotated;
            housekeeping.execute(() -> {
                if (compress) gzip(done);
                prune();
            });
        }
        if (!today.equals(day)) startDay(today);
        open();
        // after a failed rename, try again after another file's worth, not at every batch
        rotateAt = rotated != null ? maxFileBytes : size + maxFileBytes;
    }

    /** The current file's lines belong to {@code today} from now on, rotated after today's files so far. */
    private void startDay(LocalDate today) {
        day = today;
        nextIndex = firstFreeIndex(today);
    }

    private Path moveToFreeName() throws IOException {
        while (true) {
            Path target = dir.resolve(file.getFileName() + "." + day + "." + nextIndex++);
            if (Files.exists(target) || Files.exists(gzipped(target))) continue;
            try {
                return Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException e) {
                // made by someone else meanwhile: the next index
            }
        }
    }

    private void open() throws IOException {
        channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        size = channel.size();
        openKey = keyOf(file);
    }

    private static Object keyOf(Path p) {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            return null; // not there
        }
    }

    /**
     * Whether the path no longer names the file open: moved away (logrotate's default, without a
     * postrotate signal) or removed. Lines would otherwise go on into the moved file, or into one no
     * directory lists any more.
     */
    private boolean replacedUnderneath() {
        long now = System.nanoTime();
        if (now - lastLookNanos < LOOK_EVERY_NANOS) return false;
        lastLookNanos = now;
        Object key = keyOf(file);
        return openKey != null && !openKey.equals(key);
    }

    /** One past the highest index among the rotated files of that day (0 when there is none). */
    private int firstFreeIndex(LocalDate day) {
        int next = 0;
        for (Rotated r : rotatedFiles()) {
            if (r.day.equals(day)) next = Math.max(next, r.index + 1);
        }
        return next;
    }

    private record Rotated(Path path, LocalDate day, int index, long size) {}

    /** The rotated files of this target (unreadable entries are skipped: a file may go while listing). */
    private List<Rotated> rotatedFiles() {
        List<Rotated> found = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                Matcher m = rotatedName.matcher(p.getFileName().toString());
                if (!m.matches()) continue;
                try {
                    found.add(new Rotated(p, LocalDate.parse(m.group(1)), Integer.parseInt(m.group(2)), Files.size(p)));
                } catch (DateTimeParseException | NoSuchFileException e) {
                    // not a date after all, or removed meanwhile
                }
            }
        } catch (IOException e) {
            log.warn("access log folder {} not listed: {}", dir, e.toString());
        }
        return found;
    }

    /** Removes rotated files older than the days kept, then the oldest while all of them are over the size kept. */
    private void prune() {
        try {
            LocalDate oldestKept = LocalDate.now(clock).minusDays(maxHistoryDays);
            List<Rotated> files = new ArrayList<>(rotatedFiles());
            files.sort(Comparator.comparing(Rotated::day).thenComparingInt(Rotated::index).reversed());
            long kept = 0;
            for (Rotated r : files) {
                boolean tooOld = maxHistoryDays > 0 && r.day.isBefore(oldestKept);
                if (!tooOld && kept + r.size <= maxTotalBytes) {
                    kept += r.size;
                    continue;
                }
                try {
                    Files.deleteIfExists(r.path);
                } catch (IOException e) {
                    log.warn("access log {} not removed: {}", r.path, e.toString());
                }
            }
        } catch (RuntimeException e) {
            log.warn("access log files not pruned: {}", e.toString());
        }
    }

    /** Gzips a rotated file beside itself, then removes it; on failure the file stays as written. */
    private void gzip(Path rotated) {
        Path gz = gzipped(rotated);
        Path partial = rotated.resolveSibling(gz.getFileName() + ".partial");
        try {
            try (InputStream in = Files.newInputStream(rotated);
                 // CREATE_NEW: never through a file or link already there (leftovers are removed at start)
                 OutputStream out = new GZIPOutputStream(Files.newOutputStream(partial,
                         StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), 64 * 1024)) {
                in.transferTo(out);
            }
            Files.move(partial, gz, StandardCopyOption.ATOMIC_MOVE);
            Files.delete(rotated);
        } catch (IOException | RuntimeException e) {
            log.warn("access log {} not compressed, kept as written: {}", rotated, e.toString());
            try {
                Files.deleteIfExists(partial);
            } catch (IOException ignored) {
                // nothing more to do
            }
        }
    }

    /** Half-written gzip files of a process that stopped while compressing (the file itself stayed). */
    private void removeLeftovers() {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                if (partialName.matcher(p.getFileName().toString()).matches()) Files.deleteIfExists(p);
            }
        } catch (IOException | RuntimeException e) {
            log.warn("access log folder {} not cleaned: {}", dir, e.toString());
        }
    }

    private static Path gzipped(Path rotated) {
        return rotated.resolveSibling(rotated.getFileName() + ".gz");
    }

    /** Closes the file, then waits for a gzip or pruning still running. */
    @Override
    public void close() throws IOException {
        try {
            if (channel != null) channel.close();
        } finally {
            housekeeping.shutdown();
            try {
                if (!housekeeping.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS)) {
                    log.warn("access log: compression of rotated files still running after {} s, left behind", CLOSE_WAIT_SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
