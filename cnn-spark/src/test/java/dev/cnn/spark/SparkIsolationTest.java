package dev.cnn.spark;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** Spark stays inside cnn-spark: no class of cnn-core, cnn-nn or cnn-data touches it. */
class SparkIsolationTest {
    @Test
    void onlyDevCnnSparkUsesSpark() {
        noClasses().that().resideOutsideOfPackage("dev.cnn.spark..")
                .should().dependOnClassesThat().resideInAnyPackage("org.apache.spark..", "scala..")
                .check(new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                        .importPackages("dev.cnn"));
    }
}
