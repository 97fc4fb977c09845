package dev.cnn.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cnn.core.Npy;
import dev.cnn.core.Tensor;
import dev.cnn.nn.io.ModelIO;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.LocalDateTime;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Saving never damages what is there; loading never trusts what a file says about itself. */
class ModelFileSafetyTest {
    @TempDir
    Path dir;

    @Test
    void aFlippedBitInAnyEntryIsRefusedOrChangesNothing() throws IOException {
        Model m = ModelIOTest.trained();
        Path good = dir.resolve("good.cnn");
        m.save(good);
        byte[] base = Files.readAllBytes(good);
        float[] weights = ModelTest.flatWeights(m);
        Path p = dir.resolve("flipped.cnn");
        int refused = 0;
        int loaded = 0;
        for (int i = 0; i < base.length; i++) {
            byte[] b = base.clone();
            b[i] ^= (byte) (1 << (i % 8));
            Files.write(p, b);
            try {
                Model back = Model.load(p);
                assertArrayEquals(weights, ModelTest.flatWeights(back), "byte " + i + " changed the weights silently");
                loaded++;
            } catch (ModelIO.ModelFormatException e) {
                refused++;
            }
        }
        // what may change harmlessly is zip bookkeeping in the local and central headers (times, attributes,
        // versions): about 14 % of this small file's bytes
        assertTrue(refused > base.length * 0.8, refused + " of " + base.length + " refused, " + loaded + " loaded");
    }

    @Test
    void aCompressedFlipInAWeightEntryNamesTheEntry() throws IOException {
        Path good = dir.resolve("good.cnn");
        ModelIOTest.trained().save(good);
        // the weight entry stored uncompressed, then one bit of its last weight flipped in the file: the zip
        // layer reads it without complaint, only the CRC tells
        byte[] w = entry(good, "params/fc1.W.npy");
        Path stored = rewrite(good, "stored.cnn", Map.of(), "params/fc1.W.npy");
        byte[] zip = Files.readAllBytes(stored);
        int at = indexOf(zip, w);
        assertTrue(at > 0, "the stored entry's bytes are in the file");
        zip[at + w.length - 1] ^= 1;
        Path bad = Files.write(dir.resolve("crc.cnn"), zip);
        IOException e = assertThrows(IOException.class, () -> Model.load(bad));
        assertTrue(e.getMessage().contains("params/fc1.W.npy is corrupt (CRC-32"), e.getMessage());
    }

    @Test
    void nonFiniteWeightsAreRefusedNamingTheEntry() throws IOException {
        Path good = dir.resolve("good.cnn");
        ModelIOTest.trained().save(good);
        Tensor w;
        try (ZipFile z = new ZipFile(good.toFile()); InputStream in = z.getInputStream(z.getEntry("params/conv1.W.npy"))) {
            w = Npy.read(in, "w");
        }
        w.data()[5] = Float.NaN;
        Path bad = rewrite(good, "nan.cnn", Map.of("params/conv1.W.npy", Npy.toBytes(w)), null);
        IOException e = assertThrows(IOException.class, () -> Model.load(bad));
        assertTrue(e.getMessage().contains("params/conv1.W.npy holds a non-finite value (NaN at element 5)"), e.getMessage());
    }

    @Test
    void aZipBombStopsAtTheInflationBudget() throws IOException {
        Path good = dir.resolve("good.cnn");
        ModelIOTest.trained().save(good);
        // 100 MB of zeros after a valid .npy header deflate to ~100 KB
        byte[] bomb = new byte[100 << 20];
        byte[] head = Npy.toBytes(Tensor.zeros(64, 8));
        System.arraycopy(head, 0, bomb, 0, head.length);
        Path bad = rewrite(good, "bomb.cnn", Map.of("params/fc1.W.npy", bomb), null);
        assertTrue(Files.size(bad) < 1 << 20, "the bomb is small: " + Files.size(bad));
        IOException e = assertThrows(IOException.class, () -> Model.load(bad));
        assertTrue(e.getMessage().contains("params/fc1.W.npy holds more than"), e.getMessage());

        // a config that declares a huge layer allocates nothing before the entry disagrees
        Path huge = rewrite(good, "huge.cnn", Map.of("config.json", new String(entry(good, "config.json"),
                StandardCharsets.UTF_8).replace("\"inputSize\": 64", "\"inputSize\": 32768")
                .replace("\"outputSize\": 8", "\"outputSize\": 16384").getBytes(StandardCharsets.UTF_8)), null);
        IOException h = assertThrows(IOException.class, () -> Model.load(huge));
        assertTrue(h.getMessage().contains("params/fc1.W.npy: expected shape (32768, 16384) but the file holds (64, 8)"),
                h.getMessage());
    }

    @Test
    void historyLongerThanTheEpochsDoneIsRefused() throws IOException {
        Path good = dir.resolve("good.cnn");
        ModelIOTest.trained().save(good);
        String cfg = new String(entry(good, "config.json"), StandardCharsets.UTF_8);
        Path bad = rewrite(good, "hist.cnn", Map.of("config.json",
                cfg.replace("\"epochsDone\": 2", "\"epochsDone\": 1").getBytes(StandardCharsets.UTF_8)), null);
        IOException e = assertThrows(IOException.class, () -> Model.load(bad));
        assertTrue(e.getMessage().contains("history has 2 epochs but the model has done 1"), e.getMessage());
    }

    @Test
    void savingThroughASymlinkReplacesItsTargetAndKeepsTheLink() throws IOException {
        Path target = dir.resolve("real.cnn");
        Files.writeString(target, "old");
        Path link = Files.createSymbolicLink(dir.resolve("link.cnn"), Path.of("real.cnn"));
        ModelIOTest.trained().save(link);
        assertTrue(Files.isSymbolicLink(link), "the link is still a link");
        assertEquals(2, Model.load(target).epochsDone());
    }

    @Test
    void devicesAndDirectoriesAreRefusedAndLeftAlone() throws IOException {
        Model m = ModelIOTest.trained();
        IOException d = assertThrows(IOException.class, () -> m.save(dir));
        assertTrue(d.getMessage().contains("is a directory"), d.getMessage());
        Path devNull = Path.of("/dev/null");
        assumeTrue(Files.exists(devNull) && !Files.isRegularFile(devNull));
        IOException e = assertThrows(IOException.class, () -> m.save(devNull));
        assertTrue(e.getMessage().contains("/dev/null") && e.getMessage().contains("not a regular file"), e.getMessage());
        assertFalse(Files.isRegularFile(devNull), "/dev/null is still a device");
    }

    @Test
    void staleTemporaryFilesAreRemovedButLiveOnesKept() throws IOException {
        Path p = dir.resolve("m.cnn");
        Path dead = Files.writeString(dir.resolve(".m.cnn.0123abcd.tmp"), "left by kill -9");
        Path live = Files.writeString(dir.resolve(".m.cnn.4567ef.tmp"), "being written");
        Path other = Files.writeString(dir.resolve(".other.cnn.89ab.tmp"), "another target's");
        FileTime old = FileTime.fromMillis(System.currentTimeMillis() - 60_000);
        for (Path t : List.of(dead, live, other)) {
            Files.setLastModifiedTime(t, old);
        }
        try (FileChannel ch = FileChannel.open(live, StandardOpenOption.WRITE); FileLock lock = ch.lock()) {
            ModelIOTest.trained().save(p);
        }
        assertFalse(Files.exists(dead), "an unlocked temp file of the same target is stale");
        assertTrue(Files.exists(live), "a locked one is being written");
        assertTrue(Files.exists(other), "another target's temp files are not ours");
    }

    @Test
    void theFileKeepsItsModeOrGetsTheUmasksDefault() throws IOException {
        assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"));
        Model m = ModelIOTest.trained();
        Path p = dir.resolve("m.cnn");
        Files.writeString(p, "old");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r-----"));
        m.save(p);
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));

        Path fresh = dir.resolve("fresh.cnn");
        m.save(fresh);
        Path plain = Files.createFile(dir.resolve("plain")); // created with the umask's mode
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(fresh));
    }

    @Test
    void theSameModelAlwaysSavesToTheSameBytes() throws IOException {
        Model m = ModelIOTest.trained();
        // Map.of iterates in an order that changes from JVM to JVM: saved sorted by key
        m.metadata().put("scaler", Map.of("std", List.of(2.0), "mean", List.of(1.0), "count", 3));
        Path a = dir.resolve("a.cnn");
        Path b = dir.resolve("b.cnn");
        m.save(a);
        m.save(b);
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
        String config = new String(entry(a, "config.json"), StandardCharsets.UTF_8);
        assertTrue(config.indexOf("\"count\"") < config.indexOf("\"mean\"") && config.indexOf("\"mean\"") < config.indexOf("\"std\""),
                config);
        try (ZipFile z = new ZipFile(a.toFile())) {
            for (ZipEntry e : Collections.list(z.entries())) {
                assertEquals(LocalDateTime.of(1980, 1, 1, 0, 0), e.getTimeLocal(), "no save time in " + e.getName());
            }
        }
    }

    @Test
    void aFailedSaveLeavesThePreviousFileAndNamesThePath() throws IOException {
        Path p = dir.resolve("m.cnn");
        Model m = ModelIOTest.trained();
        m.save(p);
        byte[] before = Files.readAllBytes(p);
        Path blocked = dir.resolve("file-not-dir");
        Files.writeString(blocked, "x");
        IOException e = assertThrows(IOException.class, () -> m.save(blocked.resolve("m.cnn")));
        assertTrue(e.getMessage().startsWith("cannot write " + blocked.resolve("m.cnn")), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
        assertArrayEquals(before, Files.readAllBytes(p));
    }

    private static byte[] entry(Path zip, String name) {
        return ModelIOTest.entry(zip, name);
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** A copy of {@code good} with entries replaced; {@code stored} names one written uncompressed. */
    private Path rewrite(Path good, String name, Map<String, byte[]> replace, String stored) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (ZipFile z = new ZipFile(good.toFile()); ZipOutputStream out = new ZipOutputStream(bos)) {
            for (ZipEntry e : Collections.list(z.entries())) {
                byte[] data;
                try (InputStream in = z.getInputStream(e)) {
                    data = in.readAllBytes();
                }
                data = replace.getOrDefault(e.getName(), data);
                ZipEntry ne = new ZipEntry(e.getName());
                if (e.getName().equals(stored)) {
                    CRC32 crc = new CRC32();
                    crc.update(data);
                    ne.setMethod(ZipEntry.STORED);
                    ne.setSize(data.length);
                    ne.setCompressedSize(data.length);
                    ne.setCrc(crc.getValue());
                }
                out.putNextEntry(ne);
                out.write(data);
                out.closeEntry();
            }
        }
        return Files.write(dir.resolve(name), bos.toByteArray());
    }
}
