package io.turnpike.observe.analytics;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * A SQLite database in {@code storage.dataDir} (the usage ledger, the analytics history), readable
 * and writable by the gateway's user alone, like the admin overlay: usage and traffic by consumer
 * are nobody else's business. The file is created 0600 before SQLite opens it, and SQLite gives
 * its {@code -wal}, {@code -shm} and {@code -journal} files the database file's mode; files an older
 * version left readable are narrowed at open.
 */
public final class SqliteFile {
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final String[] COMPANIONS = {"", "-wal", "-shm", "-journal"};

    private SqliteFile() {}

    /** Creates {@code file} (and its folder) when missing, owner-only; returns its JDBC URL. */
    public static String prepare(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) Files.createDirectories(dir);
        if (!FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) return url(file);
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } catch (FileAlreadyExistsException e) {
            // an existing database: its mode is set below
        }
        for (String suffix : COMPANIONS) {
            Path p = file.resolveSibling(file.getFileName() + suffix);
            if (Files.exists(p)) Files.setPosixFilePermissions(p, OWNER_ONLY);
        }
        return url(file);
    }

    private static String url(Path file) {
        return "jdbc:sqlite:" + file;
    }
}
