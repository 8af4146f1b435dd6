package app.donna.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The module boundaries of ARCHITECTURE.md, checked on the compiled classes of every module (the cli
 * depends on all of them): services never use each other's code, only ingress-api reads the projections'
 * generated read-model classes, and the contracts and the platform know no service.
 */
class ArchitectureTest {

    static final JavaClasses DONNA = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("app.donna");

    static final String[] SERVICES = {"app.donna.ingress..", "app.donna.voice..", "app.donna.chat..",
        "app.donna.email..", "app.donna.abuse..", "app.donna.projections.."};

    @Test
    void servicesDoNotDependOnEachOther() {
        for (String service : SERVICES) {
            String[] others = java.util.Arrays.stream(SERVICES).filter(s -> !s.equals(service))
                    .filter(s -> !(service.equals("app.donna.ingress..") && s.equals("app.donna.projections..")))
                    .toArray(String[]::new);
            noClasses().that().resideInAPackage(service).should().dependOnClassesThat().resideInAnyPackage(others)
                    .check(DONNA);
        }
    }

    @Test
    void ingressReadsOnlyTheGeneratedReadModelOfProjections() {
        noClasses().that().resideInAPackage("app.donna.ingress..")
                .should().dependOnClassesThat().resideInAnyPackage("app.donna.projections.engine..",
                        "app.donna.projections.chat..")
                .because("ingress-api may only read the read models, through the generated jOOQ classes")
                .check(DONNA);
    }

    @Test
    void contractsAndPlatformKnowNoService() {
        noClasses().that().resideInAnyPackage("app.donna.schemas..", "app.donna.events..", "app.donna.platform..")
                .should().dependOnClassesThat().resideInAnyPackage(SERVICES)
                .check(DONNA);
        noClasses().that().resideInAnyPackage("app.donna.schemas..", "app.donna.events..")
                .should().dependOnClassesThat().resideInAnyPackage("org.springframework..", "app.donna.platform..")
                .check(DONNA);
    }

    @Test
    void decisionLogicIsFreeOfFrameworks() {
        noClasses().that().haveSimpleName("TokenBuckets").or().haveSimpleName("Traceparent")
                .should().dependOnClassesThat().resideInAnyPackage("org.springframework..", "jakarta.servlet..",
                        "org.apache.kafka..")
                .check(DONNA);
    }
}
