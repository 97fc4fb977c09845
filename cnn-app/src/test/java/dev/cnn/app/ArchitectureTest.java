package dev.cnn.app;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * Module boundaries (DJL only in cnn-data, dependencies pointing one way: app → data, nn → core) and the
 * roles inside cnn-nn: its packages depend downwards (layers; losses and optimizers; schedules; the model;
 * io and onnx), the training loop is the Trainer's, and layers know nothing of models or files.
 */
class ArchitectureTest {
    private static final JavaClasses CLASSES = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.cnn");

    @Test
    void onlyCnnDataUsesDjl() {
        noClasses().that().resideOutsideOfPackage("dev.cnn.data..")
                .should().dependOnClassesThat().resideInAPackage("ai.djl..")
                .because("DJL is used only to load datasets, in cnn-data")
                .check(CLASSES);
    }

    @Test
    void coreDependsOnNoOtherModule() {
        noClasses().that().resideInAPackage("dev.cnn.core..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.cnn.nn..", "dev.cnn.data..", "dev.cnn.app..")
                .check(CLASSES);
    }

    @Test
    void nnAndDataDoNotDependOnEachOtherOrTheApp() {
        noClasses().that().resideInAPackage("dev.cnn.nn..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.cnn.data..", "dev.cnn.app..")
                .check(CLASSES);
        noClasses().that().resideInAPackage("dev.cnn.data..")
                .should().dependOnClassesThat().resideInAnyPackage("dev.cnn.nn..", "dev.cnn.app..")
                .check(CLASSES);
    }

    @Test
    void onlyTheTrainerStepsAnOptimizer() {
        noClasses().that().doNotHaveFullyQualifiedName("dev.cnn.nn.Trainer")
                .should().callMethod(dev.cnn.nn.optimizers.Optimizer.class, "step", java.util.Map.class)
                .because("the training loop (schedule, L2, clipping, the divergence guard) lives in Trainer alone")
                .check(CLASSES);
        // and the rule sees the call where it is
        com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes().that()
                .haveFullyQualifiedName("dev.cnn.nn.Trainer")
                .should().callMethod(dev.cnn.nn.optimizers.Optimizer.class, "step", java.util.Map.class)
                .check(CLASSES);
    }

    @Test
    void layersKnowNothingOfModelsTrainersOrFiles() {
        noClasses().that().implement(dev.cnn.nn.layers.Layer.class)
                .should().dependOnClassesThat().belongToAnyOf(dev.cnn.nn.Model.class, dev.cnn.nn.Trainer.class,
                        dev.cnn.nn.io.ModelIO.class, dev.cnn.nn.onnx.OnnxExport.class, dev.cnn.nn.io.NetworkFile.class)
                .because("a layer is forward, backward and its config; wiring, training and saving are elsewhere")
                .check(CLASSES);
    }

    /**
     * cnn-nn's packages by role, bottom up: layers (on cnn-core alone); losses and optimizers (on layers);
     * schedules (on optimizers, for the learning-rate check); the model and its trainer; io and onnx on top.
     */
    @Test
    void cnnNnPackagesDependOnlyDownwards() {
        String model = "dev.cnn.nn";
        String layers = "dev.cnn.nn.layers..";
        String losses = "dev.cnn.nn.losses..";
        String optimizers = "dev.cnn.nn.optimizers..";
        String schedules = "dev.cnn.nn.schedules..";
        String io = "dev.cnn.nn.io..";
        String onnx = "dev.cnn.nn.onnx..";
        noClasses().that().resideInAPackage(layers)
                .should().dependOnClassesThat().resideInAnyPackage(model, losses, optimizers, schedules, io, onnx)
                .because("layers are the bottom of cnn-nn: forward, backward and config, on cnn-core's kernels")
                .check(CLASSES);
        noClasses().that().resideInAnyPackage(losses, optimizers)
                .should().dependOnClassesThat().resideInAnyPackage(model, schedules, io, onnx)
                .because("a loss or an optimizer is a rule over tensors and parameters, used by the model")
                .check(CLASSES);
        noClasses().that().resideInAPackage(losses)
                .should().dependOnClassesThat().resideInAPackage(optimizers).check(CLASSES);
        noClasses().that().resideInAPackage(optimizers)
                .should().dependOnClassesThat().resideInAPackage(losses).check(CLASSES);
        noClasses().that().resideInAPackage(schedules)
                .should().dependOnClassesThat().resideInAnyPackage(model, losses, io, onnx)
                .because("a schedule is a value: the rate per epoch")
                .check(CLASSES);
        noClasses().that().belongToAnyOf(dev.cnn.nn.onnx.OnnxExport.class)
                .should().dependOnClassesThat().resideInAPackage(io)
                .because("export reads a model in memory, not its file")
                .check(CLASSES);
        noClasses().that().resideInAPackage(io)
                .should().dependOnClassesThat().resideInAPackage(onnx)
                .because("import reports a damaged file as model files do (io's ModelFormatException), not the reverse")
                .check(CLASSES);
    }

    /** The model package reaches up into io and onnx only through its doors: save, load, export, checkpoints. */
    @Test
    void onlyTheModelsDoorsReachIntoIoAndOnnx() {
        noClasses().that().resideInAPackage("dev.cnn.nn")
                .and().doNotHaveFullyQualifiedName("dev.cnn.nn.Model")
                .and().doNotHaveFullyQualifiedName("dev.cnn.nn.Trainer")
                .should().dependOnClassesThat().resideInAnyPackage("dev.cnn.nn.io..", "dev.cnn.nn.onnx..")
                .because("Model.save, load, exportOnnx, importOnnx and copyOfLayer and the Trainer's checkpoints are the doors")
                .check(CLASSES);
        noClasses().that().haveFullyQualifiedName("dev.cnn.nn.Trainer")
                .should().dependOnClassesThat().resideInAPackage("dev.cnn.nn.onnx..")
                .check(CLASSES);
    }
}
