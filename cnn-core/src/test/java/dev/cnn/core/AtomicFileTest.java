package dev.cnn.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFileTest {
    @TempDir
    Path dir;

    @Test
    void concurrentWritersNeverMixTheirFilesOrLeaveTemporaries() throws Exception {
        Path target = dir.resolve("metrics.json");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> writes = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                String content = ("writer " + w + "\n").repeat(20_000); // each write a distinct 180 KB
                writes.add(pool.submit(() -> {
                    for (int k = 0; k < 25; k++) {
                        AtomicFile.write(target, content.getBytes(StandardCharsets.UTF_8));
                        String now = Files.readString(target);
                        assertEquals(180_000, now.length(), "a whole file from one writer");
                        assertTrue(now.equals(now.substring(0, 9).repeat(20_000)), "never two writers' bytes in one file");
                    }
                    return null;
                }));
            }
            for (Future<?> f : writes) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(target), s.toList());
        }
    }

    @Test
    void aWriterThatFailsLeavesTheOldFileAndNoTemporary() throws IOException {
        Path target = Files.writeString(dir.resolve("m.cnn"), "good");
        IOException e = assertThrows(IOException.class, () -> AtomicFile.write(target, out -> {
            out.write("half".getBytes(StandardCharsets.UTF_8));
            throw new IOException("No space left on device");
        }));
        assertEquals("cannot write " + target + ": No space left on device", e.getMessage());
        assertEquals("good", Files.readString(target));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(target), s.toList());
        }
    }

    @Test
    void checkWritableProbesWithoutLeavingAnything() throws IOException {
        Path fresh = dir.resolve("sub/new.cnn");
        assertEquals(fresh, AtomicFile.checkWritable(fresh));
        assertTrue(Files.isDirectory(dir.resolve("sub")) && !Files.exists(fresh));
        IOException e = assertThrows(IOException.class, () -> AtomicFile.checkWritable(dir.resolve("y".repeat(300))));
        assertTrue(e.getMessage().contains("name too long"), e.getMessage());
    }
}
