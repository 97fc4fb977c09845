package dev.cnn.app;

import dev.cnn.core.AtomicFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * One training run at a time per output: an OS lock on a file ({@code .cnn-train.lock} in the output
 * directory, {@code .<name>.lock} beside a model stored elsewhere), held for the run and released (the
 * file removed) at the end. The OS drops the lock when the process dies, even by {@code kill -9}, so a
 * crashed run never blocks the next one.
 */
final class RunLock implements AutoCloseable {
    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private RunLock(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock {@code file}, or fails saying that another run is writing {@code what}.
     *
     * <p>The lock is a POSIX record lock on Linux, which the process loses when it closes <em>any</em> handle
     * on the file: so the file is never opened a second time while locked. Since the holder deletes the file
     * when it ends, the inode we locked may no longer be the one at {@code file}: the identity of the file
     * at the path (its {@code fileKey}, device and inode) is compared before the open and after the lock,
     * by {@code stat} alone, and on a difference the lock is taken again.
     */
    static RunLock acquire(Path file, Path what) throws IOException {
        for (int attempt = 0; attempt < 20; attempt++) {
            Object before = fileKey(file);
            FileChannel ch;
            try {
                ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            } catch (IOException e) {
                throw new IOException("cannot create the lock file " + file + ": " + AtomicFile.reason(e), e);
            }
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null;
            }
            if (l == null) {
                ch.close();
                throw new IOException("another cnn run is writing " + what + " (it holds " + file
                        + "); wait until it ends or choose another --out");
            }
            if (before != null && before.equals(fileKey(file))) {
                byte[] holder = (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
                try { // the holder's pid, for people looking at the file; the lock does not depend on it
                    ch.truncate(0);
                    ch.write(ByteBuffer.wrap(holder), 0);
                } catch (IOException e) {
                    // a full disk: the run then fails where it writes the model, naming that file
                }
                return new RunLock(file, ch, l);
            }
            // created by us just now (take it again, now that it exists) or replaced between the open and the lock
            l.release();
            ch.close();
        }
        throw new IOException("cannot take the lock file " + file + ": it keeps being replaced; is another cnn run "
                + "starting and stopping there?");
    }

    /** The identity (device and inode) of the file at {@code file}, or null when there is none; never opens it. */
    private static Object fileKey(Path file) {
        try {
            Object key = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            return key != null ? key : Files.getLastModifiedTime(file, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            Files.deleteIfExists(file);
        } finally {
            lock.release();
            channel.close();
        }
    }
}
