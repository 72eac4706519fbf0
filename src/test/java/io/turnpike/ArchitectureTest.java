package io.turnpike;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package structure (docs/ARCHITECTURE.md): config is a leaf, core is the SPI on config only,
 * features build on core and never on proxy, and the snapshot is compiled at the top (server).
 */
class ArchitectureTest {
    private static JavaClasses classes;

    @BeforeAll
    static void load() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.turnpike");
    }

    @Test
    void noPackageDependsOnItselfThroughOthers() {
        slices().matching("io.turnpike.(**)").should().beFreeOfCycles().check(classes);
    }

    @Test
    void configDependsOnNoOtherPackageOfOurs() {
        classes().that().resideInAPackage("io.turnpike.config..")
                .should().onlyDependOnClassesThat(resideInAPackage("io.turnpike.config..")
                        .or(resideOutsideOfPackage("io.turnpike..")))
                .check(classes);
    }

    @Test
    void coreDependsOnlyOnConfig() {
        classes().that().resideInAPackage("io.turnpike.core..")
                .should().onlyDependOnClassesThat(resideInAnyPackage("io.turnpike.core..", "io.turnpike.config..")
                        .or(resideOutsideOfPackage("io.turnpike..")))
                .check(classes);
    }

    @Test
    void onlyTheTopUsesProxy() {
        noClasses().that().resideOutsideOfPackages("io.turnpike.proxy..", "io.turnpike.server..", "io.turnpike.cli..",
                        "io.turnpike.demo..")
                .should().dependOnClassesThat().resideInAPackage("io.turnpike.proxy..")
                .check(classes);
    }

    @Test
    void featuresDoNotUseEachOther() {
        // A feature may read core and config; compose uses none of auth, policy, ratelimit, metering.
        String[] features = {"auth", "policy", "ratelimit", "metering", "compose"};
        for (String f : features) {
            String[] others = java.util.Arrays.stream(features).filter(o -> !o.equals(f))
                    .map(o -> "io.turnpike." + o + "..").toArray(String[]::new);
            noClasses().that().resideInAPackage("io.turnpike." + f + "..")
                    .should().dependOnClassesThat().resideInAnyPackage(others)
                    .check(classes);
        }
    }
}
