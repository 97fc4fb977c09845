package dev.cnn.core;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * Replaces a file atomically: the bytes go to a temporary file in the target's directory, which is
 * flushed to disk and then renamed over the target, so a reader (or a crash, or {@code kill -9}) sees
 * either the old file or the whole new one, never a part.
 *
 * <ul>
 *   <li>A symbolic link is followed to its final target, which is replaced; the link stays.</li>
 *   <li>An existing target that is not a regular file (a directory, a device such as {@code /dev/null},
 *       a pipe) is refused.</li>
 *   <li>Temporary files are named {@code .<name>.<random hex>.tmp} and held under an OS file lock while
 *       they are written, so concurrent writers never share one; those left by a killed process (unlocked)
 *       are removed by the next write to the same target.</li>
 *   <li>The new file keeps the mode of the file it replaces, or gets the default mode of a new file
 *       (the umask's) when there was none.</li>
 * </ul>
 *
 * <p>Every failure is an {@link IOException} whose message names the target and the cause in one line;
 * the previous file is then left as it was. Thread-safe.
 */
public final class AtomicFile {
    /** Temporary files younger than this are never treated as stale (their writer may be about to lock them). */
    private static final long STALE_AFTER_MILLIS = 2_000;
    private static final int MAX_LINKS = 40;

    private AtomicFile() {
    }

    /** Writes the new content of the file to {@code out}; must not close it. */
    @FunctionalInterface
    public interface Content {
        /** Writes the whole content to {@code out} (the temporary file; do not close it). */
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Where a write to {@code path} lands: the absolute path with every symbolic link in its last
     * component followed. Fails when that is an existing directory, device, pipe or socket.
     */
    public static Path resolveTarget(Path path) throws IOException {
        Path p = path.toAbsolutePath();
        for (int hops = 0; Files.isSymbolicLink(p); hops++) {
            if (hops == MAX_LINKS) {
                throw new FileSystemException(path.toString(), null, "too many levels of symbolic links");
            }
            p = p.resolveSibling(Files.readSymbolicLink(p)).toAbsolutePath();
        }
        if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (a.isDirectory()) {
                throw new FileSystemException(path.toString(), null, "is a directory, not a file");
            }
            if (!a.isRegularFile()) {
                throw new FileSystemException(path.toString(), null,
                        "is not a regular file (a device, pipe or socket); refusing to replace it");
            }
        }
        return p;
    }

    /**
     * Checks, without writing anything that stays, that {@code path} can be written: it resolves to a
     * regular file or to nothing, its directory exists or can be created and is writable, and the name
     * is accepted by the file system. Returns the resolved target (see {@link #resolveTarget}).
     */
    public static Path checkWritable(Path path) throws IOException {
        Path target;
        try {
            target = resolveTarget(path);
            Path dir = target.getParent();
            Files.createDirectories(dir);
            if (!Files.exists(target)) {
                Files.newByteChannel(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
                Files.delete(target);
            }
            Path probe = createTemp(dir, tempPrefix(target));
            Files.delete(probe);
        } catch (IOException e) {
            throw new IOException("cannot write " + path + ": " + reason(e, path), e);
        }
        return target;
    }

    /** Replaces {@code path} with what {@code content} writes; see the class comment. */
    public static void write(Path path, Content content) throws IOException {
        Path target;
        Path tmp = null;
        boolean moved = false;
        try {
            target = resolveTarget(path);
            Path dir = target.getParent();
            Files.createDirectories(dir);
            String prefix = tempPrefix(target);
            removeStale(dir, prefix);
            tmp = createTemp(dir, prefix);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE); FileLock lock = ch.lock()) {
                OutputStream out = new FilterOutputStream(Channels.newOutputStream(ch)) {
                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        out.write(b, off, len);
                    }

                    @Override
                    public void close() throws IOException {
                        flush(); // the channel stays open until it is on disk and renamed
                    }
                };
                content.writeTo(out);
                out.flush();
                ch.force(true);
                keepMode(target, tmp);
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
                }
                moved = true;
            }
            syncDirectory(dir);
        } catch (IOException e) {
            throw new IOException("cannot write " + path + ": " + reason(e, path), e);
        } finally {
            if (!moved && tmp != null) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** Writes {@code bytes} as the new content of {@code path}. */
    public static void write(Path path, byte[] bytes) throws IOException {
        write(path, out -> out.write(bytes));
    }

    /** The temporary files of a target: {@code .<name>.<hex>.tmp} (the name cut to 100 characters). */
    static String tempPrefix(Path target) {
        String name = target.getFileName().toString();
        return "." + (name.length() > 100 ? name.substring(0, 100) : name) + ".";
    }

    private static Path createTemp(Path dir, String prefix) throws IOException {
        while (true) {
            Path tmp = dir.resolve(prefix + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
            try {
                // no explicit attributes: the file gets the umask's mode, as any new file would
                Files.newByteChannel(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
                return tmp;
            } catch (FileAlreadyExistsException e) {
                // another writer drew the same name: draw again
            }
        }
    }

    /**
     * Deletes the temporary files that a killed writer of {@code path} left ({@code .<name>.<hex>.tmp} beside the
     * target, older than a few seconds, whose OS lock no process holds); {@link #write} does so itself before
     * it writes. For a program that starts work on a file and wants the directory clean at once. Never fails:
     * what cannot be judged is left.
     */
    public static void removeStaleTemporaries(Path path) {
        try {
            Path target = resolveTarget(path);
            if (target.getParent() != null && Files.isDirectory(target.getParent())) {
                removeStale(target.getParent(), tempPrefix(target));
            }
        } catch (IOException | RuntimeException e) {
            // nothing to clean, or nothing we may clean
        }
    }

    /** Deletes temporary files of this target whose writer is gone (no process holds their lock). */
    private static void removeStale(Path dir, String prefix) {
        Pattern mine = Pattern.compile(Pattern.quote(prefix) + "[0-9a-f]+\\.tmp");
        long now = System.currentTimeMillis();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, p -> mine.matcher(p.getFileName().toString()).matches())) {
            for (Path p : s) {
                try {
                    if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
                            || now - Files.getLastModifiedTime(p).toMillis() < STALE_AFTER_MILLIS) {
                        continue;
                    }
                    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE); FileLock lock = ch.tryLock()) {
                        if (lock != null) {
                            Files.deleteIfExists(p);
                        }
                    } catch (OverlappingFileLockException inUseHere) {
                        // written by another thread of this process
                    }
                } catch (IOException e) {
                    // not ours to judge (permissions, a race with its own writer): leave it
                }
            }
        } catch (IOException e) {
            // an unreadable directory fails the write itself, with a clearer message
        }
    }

    private static void keepMode(Path target, Path tmp) throws IOException {
        if (!Files.exists(target)) {
            return;
        }
        try {
            Set<PosixFilePermission> mode = Files.getPosixFilePermissions(target);
            Files.setPosixFilePermissions(tmp, mode);
        } catch (UnsupportedOperationException notPosix) {
            // the file system has no POSIX modes to keep
        }
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | RuntimeException e) {
            // not every platform can open a directory; the rename itself is already atomic
        }
    }

    /** The cause of an I/O failure in a few words, without the exception's class name. */
    public static String reason(IOException e) {
        return reason(e, null);
    }

    /** As {@link #reason(IOException)}, leaving out the file name when it is {@code known} (already said). */
    public static String reason(IOException e, Path known) {
        String file = e instanceof FileSystemException f && f.getFile() != null
                && (known == null || !f.getFile().equals(known.toString())) ? " (" + f.getFile() + ")" : "";
        if (e instanceof AccessDeniedException) {
            return "permission denied" + file;
        }
        if (e instanceof NoSuchFileException) {
            return "no such file or directory" + file;
        }
        if (e instanceof FileAlreadyExistsException) {
            return "a file is in the way" + file;
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason() + file;
        }
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }
}
