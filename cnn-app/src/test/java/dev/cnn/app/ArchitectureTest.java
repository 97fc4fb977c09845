package dev.cnn.app;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * Module boundaries (DJL only in cnn-data, dependencies pointing one way: app → data, nn → core) and the
 * roles inside cnn-nn: the training loop is the Trainer's, and layers know nothing of models or files.
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
                .should().callMethod(dev.cnn.nn.Optimizer.class, "step", java.util.Map.class)
                .because("the training loop (schedule, L2, clipping, the divergence guard) lives in Trainer alone")
                .check(CLASSES);
        // and the rule sees the call where it is
        com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes().that()
                .haveFullyQualifiedName("dev.cnn.nn.Trainer")
                .should().callMethod(dev.cnn.nn.Optimizer.class, "step", java.util.Map.class)
                .check(CLASSES);
    }

    @Test
    void layersKnowNothingOfModelsTrainersOrFiles() {
        noClasses().that().implement(dev.cnn.nn.Layer.class)
                .should().dependOnClassesThat().belongToAnyOf(dev.cnn.nn.Model.class, dev.cnn.nn.Trainer.class,
                        dev.cnn.nn.ModelIO.class, dev.cnn.nn.OnnxExport.class, dev.cnn.nn.NetworkFile.class)
                .because("a layer is forward, backward and its config; wiring, training and saving are elsewhere")
                .check(CLASSES);
    }
}
