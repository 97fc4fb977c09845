package dev.cnn.app;

import dev.cnn.core.AtomicFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

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

    /** Takes the lock {@code file}, or fails saying that another run is writing {@code what}. */
    static RunLock acquire(Path file, Path what) throws IOException {
        for (int attempt = 0; ; attempt++) {
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
            // the previous holder may have removed the file between our open and our lock: then ours is stale
            if (sameFile(ch, file) || attempt == 5) {
                return new RunLock(file, ch, l);
            }
            l.release();
            ch.close();
        }
    }

    /** Whether {@code file} is still the file {@code ch} locked: ours carries a token only we wrote. */
    private static boolean sameFile(FileChannel ch, Path file) {
        try {
            byte[] token = (ProcessHandle.current().pid() + " " + System.nanoTime() + "\n").getBytes(StandardCharsets.US_ASCII);
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(token), 0);
            return Arrays.equals(token, Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            return true; // cannot tell: trust the lock
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
