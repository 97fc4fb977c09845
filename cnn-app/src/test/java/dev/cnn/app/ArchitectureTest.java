package dev.cnn.app;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** Module boundaries: DJL only in cnn-data, and dependencies pointing one way (app → data, nn → core). */
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
}
