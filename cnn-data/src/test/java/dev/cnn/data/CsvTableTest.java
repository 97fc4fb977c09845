package dev.cnn.data;

import static dev.cnn.data.MnistTest.assertError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvTableTest {
    @TempDir
    Path dir;

    private Path csv(String text) throws IOException {
        return Files.writeString(dir.resolve("t.csv"), text);
    }

    @Test
    void quotedHeaderDefaultColumnsAndChosenColumns() throws IOException {
        Path p = csv("\"a\",\"b c\",\"price\"\n1,2,100\n3.5,-4,200.5\n");
        CsvTable t = CsvTable.read(p);
        assertEquals(List.of("a", "b c"), t.featureNames());
        assertEquals("price", t.targetName());
        assertArrayEquals(new float[] {1, 2, 3.5f, -4}, t.features());
        assertArrayEquals(new float[] {100, 200.5f}, t.target());
        CsvTable chosen = CsvTable.read(p, List.of("price"), "a");
        assertArrayEquals(new float[] {100, 200.5f}, chosen.features());
        assertArrayEquals(new float[] {1, 3.5f}, chosen.target());
    }

    @Test
    void aByteOrderMarkAsExcelWritesIsAccepted() throws IOException {
        Path p = csv("\uFEFFlongitude,latitude,y\n1,2,3\n");
        CsvTable t = CsvTable.read(p, List.of("longitude", "latitude"), "y");
        assertArrayEquals(new float[] {1, 2}, t.features());
    }

    @Test
    void aLexerErrorNamesFileAndLine() throws IOException {
        Path p = csv("a,b,y\n1,2,3\n4,\"5\"x,6\n");
        assertError(p + " line 3: malformed CSV: Invalid character between encapsulated token and delimiter",
                () -> CsvTable.read(p));
    }

    @Test
    void badCellsNameFileLineAndColumn() throws IOException {
        Path p = csv("a,b,y\n1,2,3\n4,5\n");
        assertError(p + " line 3: expected 3 cells (as in the header) but found 2", () -> CsvTable.read(p));
        Path q = csv("a,b,y\n1,2,3\n4,five,6\n");
        assertError(q + " line 3 column 'b': 'five' is not a finite number", () -> CsvTable.read(q));
        Path r = csv("a,b,y\n1,,3\n");
        assertError(r + " line 2 column 'b': empty cell", () -> CsvTable.read(r));
        Path s = csv("a,b,y\n1,2,3\n");
        assertError("no column named 'price'; the columns are [a, b, y]", () -> CsvTable.read(s, null, "price"));
        Path quoted = csv("a,b,y\n\"1\n\",2,3\n4,x,6\n");
        assertError(quoted + " record 2 (line 4) column 'b': 'x' is not a finite number", () -> CsvTable.read(quoted));
        StringBuilder wide = new StringBuilder();
        for (int c = 0; c < 100_000; c++) {
            wide.append('c').append(c).append(',');
        }
        Path w = csv(wide.append("y\n").toString() + "0,".repeat(100_000) + "1\n");
        DataException noTarget = org.junit.jupiter.api.Assertions.assertThrows(DataException.class,
                () -> CsvTable.read(w, null, "price"));
        org.junit.jupiter.api.Assertions.assertTrue(noTarget.getMessage().length() < 300
                && noTarget.getMessage().endsWith("the columns are [c0, c1, c2, c3, c4, c5, c6, c7, c8, c9] ... (100001 "
                + "columns)"), noTarget.getMessage().substring(0, Math.min(400, noTarget.getMessage().length())));
        CsvTable.Text text = CsvTable.readText(w, ',');
        org.junit.jupiter.api.Assertions.assertEquals(99_999, text.columns(List.of("c99999"))[0]);
        Path huge = dir.resolve("huge.csv"); // sparse: no disk used
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(huge.toFile(), "rw")) {
            f.setLength(Runtime.getRuntime().maxMemory() / 4 + 1);
        }
        DataException big = org.junit.jupiter.api.Assertions.assertThrows(DataException.class,
                () -> CsvTable.readText(huge, ','));
        org.junit.jupiter.api.Assertions.assertTrue(big.getMessage().contains("of memory, more than this JVM's"),
                big.getMessage());
        Path e = csv("a,b,y\n");
        assertError("no data rows", () -> CsvTable.read(e));
        Path latin1 = java.nio.file.Files.write(dir.resolve("latin1.csv"), new byte[] {'a', ',', 'y', '\n', (byte) 0xe9,
            ',', '1', '\n'});
        DataException bytes = org.junit.jupiter.api.Assertions.assertThrows(DataException.class,
                () -> CsvTable.readText(latin1, ','));
        org.junit.jupiter.api.Assertions.assertEquals(latin1 + ": not UTF-8 text (it holds bytes that UTF-8 does not "
                + "allow); save it as UTF-8 (in Excel: CSV UTF-8)", bytes.getMessage());
    }

    @Test
    void standardizerFitsPopulationStatisticsAndInverts() {
        float[] train = {1, 10, 3, 10, 5, 10};
        Standardizer s = Standardizer.fit(train, 2);
        assertEquals(3, s.mean(0), 1e-12);
        assertEquals(Math.sqrt(8.0 / 3), s.std(0), 1e-12, "population std (divide by n)");
        assertEquals(1, s.std(1), 0, "constant column");
        float[] test = {3 + (float) Math.sqrt(8.0 / 3), 12};
        s.apply(test);
        assertEquals(1f, test[0], 1e-6);
        assertEquals(2f, test[1], 1e-6);
        s.invert(test);
        assertEquals(12f, test[1], 1e-6);
        Standardizer back = Standardizer.fromMap(s.toMap());
        assertEquals(s.std(0), back.std(0), 0);
    }
}
