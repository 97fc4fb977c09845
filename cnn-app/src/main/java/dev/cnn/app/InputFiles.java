package dev.cnn.app;

import dev.cnn.data.ImageFolder;
import dev.cnn.nn.Model;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * What {@code cnn predict} is given, sorted out before anything is decoded: folders expanded (recursively, in
 * name order), and each file checked against what the model takes, so that a wrong kind of input is one line
 * naming the file, what the model takes and what came.
 */
final class InputFiles {
    private InputFiles() {
    }

    /** What a file name says a file is. */
    enum Kind {
        IMAGE, CSV, NPY, OTHER;

        static Kind of(Path f) {
            String n = f.getFileName() == null ? "" : f.getFileName().toString().toLowerCase(Locale.ROOT);
            if (n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg")) {
                return IMAGE;
            }
            return n.endsWith(".csv") ? CSV : n.endsWith(".npy") ? NPY : OTHER;
        }
    }

    /**
     * {@code inputs} with every folder replaced by the files in it (images for an image model, {@code .csv} files
     * for a table model) at any depth; a path that does not exist, or a folder with no such files, becomes a
     * line in {@code failures} that says what the model {@code takes}.
     */
    static List<Path> expand(List<Path> inputs, boolean csvModel, String takes, List<String> failures) {
        List<Path> files = new ArrayList<>();
        Kind wanted = csvModel ? Kind.CSV : Kind.IMAGE;
        for (Path p : inputs) {
            if (!Files.exists(p)) {
                failures.add(p + (p.toString().indexOf('\uFFFD') >= 0 ? ": its name holds bytes that are not UTF-8 (shown "
                        + "as \uFFFD), and Java cannot open such a file; rename it" : ": no such file or directory"));
            } else if (Files.isDirectory(p)) {
                List<Path> found;
                try (Stream<Path> s = Files.walk(p)) {
                    found = s.filter(f -> Files.isRegularFile(f) && Kind.of(f) == wanted).sorted().toList();
                } catch (IOException | UncheckedIOException e) {
                    failures.add(p + ": cannot list the folder (" + e.getMessage() + ")");
                    continue;
                }
                if (found.isEmpty()) {
                    failures.add(p + ": a folder with no " + (csvModel ? ".csv" : ".png, .jpg or .jpeg") + " files in it; "
                            + "the model takes " + takes);
                }
                files.addAll(found);
            } else {
                files.add(p);
            }
        }
        return files;
    }

    /** Why {@code f} is not an input {@code model} takes, or null when it may be one (its content is read later). */
    static String refusal(Path f, Task task, Model model, SavedTask saved) {
        if (!Files.isRegularFile(f)) {
            return "not a regular file (a device, a pipe or a socket); give a file";
        }
        Kind kind = Kind.of(f);
        boolean csvModel = task == Task.HOUSING || task == Task.TABLE;
        String takes = takes(task, model, saved);
        if (csvModel && kind != Kind.CSV) {
            return (kind == Kind.IMAGE ? "an image" : kind == Kind.NPY ? "a .npy array" : "not a .csv file")
                    + ", but this " + task.id + " model takes " + takes;
        }
        if (!csvModel) {
            if (kind == Kind.CSV || kind == Kind.NPY) {
                return (kind == Kind.CSV ? "a CSV file" : "a .npy array") + ", but this " + task.id + " model takes "
                        + takes;
            }
            try {
                int[] size = ImageFolder.dimensions(f); // from the header, before anything is decoded
                if (size == null) {
                    return "not a PNG or JPEG image (no image reader recognises its bytes); this " + task.id
                            + " model takes " + takes;
                }
                int[] in = model.inputShape();
                if (TaskData.resize(model.metadata()) == null && (size[0] != in[1] || size[1] != in[0])) {
                    return "the image is " + size[0] + "x" + size[1] + " pixels but this " + task.id + " model takes "
                            + takes;
                }
            } catch (IOException e) {
                return "not a readable image (" + e.getMessage().replace(f + ": ", "") + "); this " + task.id
                        + " model takes " + takes;
            }
        }
        return null;
    }

    /** What the model takes, for people: "PNG or JPEG images of 28x28 pixels (grayscale)". */
    static String takes(Task task, Model model, SavedTask saved) {
        if (task == Task.HOUSING) {
            return "CSV files with a header naming the California housing columns (" + String.join(", ",
                    HousingFeatures.RAW) + ")";
        }
        if (task == Task.TABLE) {
            List<String> features;
            try {
                features = dev.cnn.data.TableInput.encoding(model.metadata()).columnNames();
            } catch (dev.cnn.data.DataException e) {
                return "CSV files (" + e.getMessage() + ")";
            }
            String cols = features.size() <= 8 ? String.join(", ", features)
                    : String.join(", ", features.subList(0, 8)) + ", ... (" + features.size() + " in all)";
            return "CSV files with a header naming its columns (" + cols + ")";
        }
        int[] in = model.inputShape();
        return "PNG or JPEG images " + (TaskData.resize(model.metadata()) != null ? "of any size (resized to " + in[1] + "x"
                + in[0] + ")" : "of " + in[1] + "x" + in[0] + " pixels") + " (" + (in[2] == 1 ? "grayscale" : "RGB")
                + "), or folders of them";
    }
}
