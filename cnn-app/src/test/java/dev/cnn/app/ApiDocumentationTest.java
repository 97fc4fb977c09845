package dev.cnn.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.source.doctree.DocCommentTree;
import com.sun.source.tree.ClassTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.MethodTree;
import com.sun.source.tree.ModifiersTree;
import com.sun.source.tree.Tree;
import com.sun.source.tree.VariableTree;
import com.sun.source.util.DocTrees;
import com.sun.source.util.JavacTask;
import com.sun.source.util.TreePath;
import com.sun.source.util.TreePathScanner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import javax.lang.model.element.Modifier;
import javax.tools.JavaCompiler;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * Every public type and member of the exported API packages has a doc comment (methods that override
 * one inherit it). Javadoc's doclint checks the comments' syntax and references in the build; this
 * test checks that they are there at all.
 */
class ApiDocumentationTest {
    private static final Set<String> API_PACKAGES = Set.of("dev/cnn/core", "dev/cnn/core/kernel",
            "dev/cnn/core/reference", "dev/cnn/nn", "dev/cnn/data", "dev/cnn/spark");

    @Test
    void everyPublicTypeAndMemberOfTheApiIsDocumented() throws IOException {
        List<Path> files = new ArrayList<>();
        for (String module : new String[] {"cnn-core", "cnn-nn", "cnn-data", "cnn-spark"}) {
            Path src = Path.of("..", module, "src", "main", "java");
            try (Stream<Path> s = Files.walk(src)) {
                s.filter(p -> p.toString().endsWith(".java") && !p.getFileName().toString().contains("-")
                        && API_PACKAGES.contains(src.relativize(p.getParent()).toString())).forEach(files::add);
            }
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        List<String> missing = new ArrayList<>();
        try (StandardJavaFileManager fm = javac.getStandardFileManager(null, null, null)) {
            JavacTask task = (JavacTask) javac.getTask(null, fm, null, List.of("-proc:none"), null,
                    fm.getJavaFileObjectsFromPaths(files));
            DocTrees docs = DocTrees.instance(task);
            for (CompilationUnitTree unit : task.parse()) {
                new TreePathScanner<Void, Void>() {
                    @Override
                    public Void visitClass(ClassTree c, Void v) {
                        if (!visible(c.getModifiers(), getCurrentPath())) {
                            return null;
                        }
                        check(getCurrentPath(), c.getSimpleName().toString());
                        return super.visitClass(c, v);
                    }

                    @Override
                    public Void visitMethod(MethodTree m, Void v) {
                        boolean override = m.getModifiers().getAnnotations().stream()
                                .anyMatch(a -> a.getAnnotationType().toString().equals("Override"));
                        if (visible(m.getModifiers(), getCurrentPath()) && !override) {
                            check(getCurrentPath(), m.getName() + "()");
                        }
                        return null;
                    }

                    @Override
                    public Void visitVariable(VariableTree f, Void v) {
                        if (getCurrentPath().getParentPath().getLeaf() instanceof ClassTree
                                && visible(f.getModifiers(), getCurrentPath())) {
                            check(getCurrentPath(), f.getName().toString());
                        }
                        return null;
                    }

                    private void check(TreePath path, String name) {
                        DocCommentTree doc = docs.getDocCommentTree(path);
                        if (doc == null) {
                            long line = unit.getLineMap().getLineNumber(docs.getSourcePositions()
                                    .getStartPosition(unit, path.getLeaf()));
                            missing.add(Path.of(unit.getSourceFile().toUri()).getFileName() + ":" + line + " " + name);
                        }
                    }
                }.scan(unit, null);
            }
        }
        assertEquals(List.of(), missing, missing.size() + " public types or members without a doc comment");
    }

    /** Public, or a member of an interface or annotation (implicitly public), inside visible types only. */
    private static boolean visible(ModifiersTree mods, TreePath path) {
        Tree parent = path.getParentPath().getLeaf();
        boolean inInterface = parent instanceof ClassTree p && (p.getKind() == Tree.Kind.INTERFACE
                || p.getKind() == Tree.Kind.ANNOTATION_TYPE);
        boolean enumConstant = parent instanceof ClassTree p2 && p2.getKind() == Tree.Kind.ENUM
                && path.getLeaf() instanceof VariableTree;
        if (mods.getFlags().contains(Modifier.PRIVATE)) {
            return false;
        }
        return mods.getFlags().contains(Modifier.PUBLIC) || mods.getFlags().contains(Modifier.PROTECTED)
                || inInterface || enumConstant;
    }
}
