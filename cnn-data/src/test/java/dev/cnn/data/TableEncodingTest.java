package dev.cnn.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TableEncodingTest {
    @TempDir
    Path dir;

    @Test
    void numericColumnsStayAndTextColumnsBecomeOneHot() throws Exception {
        Path f = Files.writeString(dir.resolve("t.tsv"), "a\tkind\tb\n1.5\tcat\t2\n\tdog\t3\n2.5\t\t4\n");
        CsvTable.Text t = CsvTable.readText(f, '\t');
        TableEncoding e = TableEncoding.fit(t, List.of("kind", "a"), TableEncoding.Missing.MEAN);
        assertEquals(List.of("kind=cat", "kind=dog", "a"), e.featureNames());
        assertEquals(3, e.width());
        int[] at = t.columns(e.columnNames());
        float[] x = new float[9];
        for (int r = 0; r < 3; r++) {
            assertTrue(e.encode(t, r, at, x, 3 * r));
        }
        assertArrayEquals(new float[] {1, 0, 1.5f, 0, 1, Float.NaN, 0, 0, 2.5f}, x);
        TableEncoding back = TableEncoding.fromMap(e.toMap());
        assertEquals(e.columns(), back.columns());
        assertEquals(TableEncoding.Missing.MEAN, back.missing());

        TableEncoding drop = new TableEncoding(e.columns(), TableEncoding.Missing.DROP);
        assertFalse(drop.encode(t, 1, at, x, 0));
        TableEncoding error = new TableEncoding(e.columns(), TableEncoding.Missing.ERROR);
        DataException empty = assertThrows(DataException.class, () -> error.encode(t, 2, at, x, 0));
        assertTrue(empty.getMessage().endsWith("t.tsv line 4, column 'kind': empty cell (train with --missing drop or "
                + "--missing mean to allow them)"), empty.getMessage());
    }

    @Test
    void anUnseenCategoryAndTooManyCategoriesAreRefused() throws Exception {
        Path train = Files.writeString(dir.resolve("train.csv"), "c,y\nx,1\ny,2\n");
        TableEncoding e = TableEncoding.fit(CsvTable.readText(train, ','), List.of("c"), TableEncoding.Missing.ERROR);
        Path other = Files.writeString(dir.resolve("other.csv"), "y,c\n1,\"x\nx\"\n2,z\n");
        CsvTable.Text t = CsvTable.readText(other, ',');
        DataException unseen = assertThrows(DataException.class, () -> e.encode(t, 1, t.columns(List.of("c")),
                new float[2], 0));
        assertTrue(unseen.getMessage().contains("other.csv record 2 (line 4), column 'c': category 'z' was not seen "
                + "in training (known: x, y)"), unseen.getMessage());

        StringBuilder ids = new StringBuilder("id,y\n");
        for (int i = 0; i <= TableEncoding.MAX_CATEGORIES; i++) {
            ids.append("u").append(i).append(",1\n");
        }
        CsvTable.Text many = CsvTable.readText(Files.writeString(dir.resolve("ids.csv"), ids), ',');
        DataException tooMany = assertThrows(DataException.class,
                () -> TableEncoding.fit(many, List.of("id"), TableEncoding.Missing.ERROR));
        assertTrue(tooMany.getMessage().contains("column 'id': more than 1000 distinct text values"), tooMany.getMessage());
    }
}
