package dev.cnn.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The training lock between two processes: the one place where a lock that only works in-process looks fine. */
class RunLockTest {
    @TempDir
    Path dir;

    /** A second process: takes the lock given as its argument, says so, and holds it until its input closes. */
    public static final class Holder {
        public static void main(String[] args) throws Exception {
            Path file = Path.of(args[0]);
            try (RunLock lock = RunLock.acquire(file, file.resolveSibling("model.cnn"))) {
                System.out.println("locked");
                System.out.flush();
                while (System.in.read() >= 0) {
                    // hold until the parent closes our input
                }
            } catch (IOException e) {
                System.out.println("refused: " + e.getMessage());
            }
        }
    }

    private static Process holder(Path lockFile) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"), Holder.class.getName(),
                lockFile.toString())).redirectErrorStream(true).start();
    }

    private static String firstLine(Process p) throws IOException {
        return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)).readLine();
    }

    @Test
    void aSecondProcessIsRefusedWhileTheFirstHoldsTheLock() throws Exception {
        Path lockFile = dir.resolve(".cnn-train.lock");
        Process first = holder(lockFile);
        try {
            assertEquals("locked", firstLine(first));
            IOException e = assertThrows(IOException.class, () -> RunLock.acquire(lockFile, dir.resolve("model.cnn")));
            assertTrue(e.getMessage().contains("another cnn run is writing " + dir.resolve("model.cnn")), e.getMessage());
            Process second = holder(lockFile);
            assertTrue(firstLine(second).startsWith("refused: another cnn run is writing"));
            assertTrue(second.waitFor(30, TimeUnit.SECONDS));
        } finally {
            first.getOutputStream().close();
            assertTrue(first.waitFor(30, TimeUnit.SECONDS));
        }
        assertFalse(Files.exists(lockFile), "the holder removes the lock file when it ends");
        try (RunLock mine = RunLock.acquire(lockFile, dir.resolve("model.cnn"))) {
            Process other = holder(lockFile);
            assertTrue(firstLine(other).startsWith("refused: another cnn run is writing"), "held by this process now");
            assertTrue(other.waitFor(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void aLockFileLeftByAKilledRunIsTakenAndRemoved() throws Exception {
        Path lockFile = dir.resolve(".cnn-train.lock");
        Process killed = holder(lockFile);
        assertEquals("locked", firstLine(killed));
        killed.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        assertTrue(Files.exists(lockFile), "kill -9 leaves the file (the OS drops the lock)");
        RunLock.acquire(lockFile, dir.resolve("model.cnn")).close();
        assertFalse(Files.exists(lockFile));
    }
}
