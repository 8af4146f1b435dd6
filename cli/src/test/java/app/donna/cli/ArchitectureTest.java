package app.donna.cli;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.dependencies.Slice;
import org.junit.jupiter.api.Test;

/**
 * The boundaries of ARCHITECTURE.md, checked on the compiled main classes of every module (the cli
 * depends on all of them). Every rule names packages, never classes, so it holds for code not yet written:
 * <ul>
 * <li>decision code (rules, policies, prompt building) is plain Java;</li>
 * <li>services share no code; they meet on topics, and ingress-api reads the read model that
 * projections generates;</li>
 * <li>dependencies point one way: services → platform → schemas; the dev token issuer is the cli's
 * alone;</li>
 * <li>outside systems (OpenAI, PostgreSQL, Kafka Streams, Bucket4j) are used only by the adapter packages
 * made for them.</li>
 * </ul>
 */
class ArchitectureTest {

    static final JavaClasses DONNA = new ClassFileImporter()
            .withImportOption(new ImportOption.DoNotIncludeTests())
            .importPackages("app.donna");

    /** The packages that are not a service: the cli, the shared libraries and the local test harness. */
    static final String CLI = "app.donna.cli..";

    static final String PLATFORM = "app.donna.platform..";
    static final String[] SCHEMAS = {"app.donna.schemas..", "app.donna.events.."};
    static final String LOCAL_INFRA = "app.donna.localinfra..";
    static final String TEST_SUPPORT = "app.donna.testing..";
    /** donna dev's token issuer: in the cli's jar and in tests, never in a service's. */
    static final String DEV_ISSUER = "app.donna.devissuer..";

    /** Every other top-level package under {@code app.donna} is a service, including ones not yet written. */
    static final DescribedPredicate<JavaClass> IN_A_SERVICE = resideInAPackage("app.donna..")
            .and(not(resideInAnyPackage(CLI, PLATFORM, SCHEMAS[0], SCHEMAS[1], LOCAL_INFRA, TEST_SUPPORT, DEV_ISSUER)))
            .as("a service");

    /** The jOOQ classes projections generates from its migrations: the read model ingress-api may read. */
    static final String READ_MODEL = "app.donna.projections.db..";

    /**
     * Decision code: the rules, policies and prompt building of each feature, which its unit tests drive
     * with nothing running. A new feature's decision package belongs here.
     */
    static final String[] DECISION = {
        "app.donna.abuse.screening..",
        "app.donna.chat.reply..",
        "app.donna.chat.webhook..",
        "app.donna.email.autopilot.rules..",
        "app.donna.email.draft.writing..",
        "app.donna.ingress.gmail.oauth..",
        "app.donna.platform.budget..",
        "app.donna.platform.crypto..",
        "app.donna.platform.ratelimit.policy..",
        "app.donna.platform.persona..",
        "app.donna.platform.redaction..",
        "app.donna.voice.session.."
    };

    /** Frameworks, SDKs and wire formats that belong in adapters and wiring, never in decision code. */
    static final String[] FRAMEWORKS = {
        "org.springframework..",
        "jakarta.servlet..",
        "javax.servlet..",
        "org.apache.kafka..",
        "org.apache.avro..",
        "app.donna.events..",
        "org.jooq..",
        "okhttp3..",
        "com.openai..",
        "io.github.bucket4j.."
    };

    static final ArchRule DECISION_CODE_IS_PLAIN_JAVA = noClasses()
            .that()
            .resideInAnyPackage(DECISION)
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(FRAMEWORKS)
            .because("decision logic is plain Java, unit-tested with nothing running (STYLE.md)");

    static final ArchRule DECISION_CODE_KNOWS_NO_ADAPTER = noClasses()
            .that()
            .resideInAnyPackage(DECISION)
            .should()
            .dependOnClassesThat(resideInAPackage("app.donna..")
                    .and(not(resideInAnyPackage(DECISION)))
                    .as("are Donna classes outside the decision packages"))
            .because("adapters and wiring depend on the decision code, never the other way round");

    static final ArchRule SERVICES_SHARE_NO_CODE = slices().matching("app.donna.(*)..")
            .that(DescribedPredicate.describe(
                    "are services", (Slice slice) -> slice.stream().allMatch(IN_A_SERVICE)))
            .should()
            .notDependOnEachOther()
            .ignoreDependency(resideInAPackage("app.donna.ingress.."), resideInAPackage(READ_MODEL))
            .ignoreDependency(resideInAPackage("app.donna.email.."), resideInAPackage(READ_MODEL))
            .because("services meet only on topics; ingress-api reads the read model projections owns, and it and "
                    + "email-processor write their own few tables in that schema");

    static final ArchRule DEPENDENCIES_POINT_FROM_SERVICES_TO_PLATFORM_TO_SCHEMAS = layeredArchitecture()
            .consideringOnlyDependenciesInLayers()
            .layer("cli")
            .definedBy(CLI)
            .layer("services")
            .definedBy(IN_A_SERVICE)
            .layer("platform")
            .definedBy(PLATFORM)
            .layer("schemas")
            .definedBy(SCHEMAS)
            .optionalLayer("local-infra")
            .definedBy(LOCAL_INFRA)
            .optionalLayer("test-support")
            .definedBy(TEST_SUPPORT)
            .layer("dev-issuer")
            .definedBy(DEV_ISSUER)
            .whereLayer("services")
            .mayOnlyAccessLayers("platform", "schemas")
            .whereLayer("platform")
            .mayOnlyAccessLayers("schemas")
            .whereLayer("schemas")
            .mayNotAccessAnyLayer()
            .whereLayer("test-support")
            .mayNotBeAccessedByAnyLayer()
            .whereLayer("dev-issuer")
            .mayOnlyBeAccessedByLayers("cli")
            .whereLayer("dev-issuer")
            .mayNotAccessAnyLayer()
            .because("ARCHITECTURE.md: services → platform → schemas; the cli alone sees everything, and "
                    + "alone runs the dev token issuer, which knows nothing of Donna's code");

    static final ArchRule CONTRACTS_CARRY_NO_FRAMEWORK = noClasses()
            .that()
            .resideInAnyPackage(SCHEMAS)
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(
                    "org.springframework..",
                    "jakarta.servlet..",
                    "javax.servlet..",
                    "org.apache.kafka.streams..",
                    "org.jooq..",
                    "okhttp3..",
                    "com.openai..")
            .because("every service and tool reads the contracts; they need Avro and Kafka's serializer API only");

    static final ArchRule OPENAI_ONLY_IN_OPENAI_ADAPTERS = noClasses()
            .that()
            .resideOutsideOfPackage("app.donna.*.openai..")
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage("com.openai..", "okhttp3..")
            .because("the OpenAI SDK stays behind the interface the feature owns, in the service's openai package");

    static final ArchRule JOOQ_ONLY_IN_PROJECTIONS_AND_INGRESS = noClasses()
            .that()
            .resideOutsideOfPackages(
                    "app.donna.projections..",
                    "app.donna.ingress..",
                    "app.donna.email..",
                    // the projector benchmark drives the projections' own code on a real database
                    "app.donna.cli.bench..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("org.jooq..")
            .because("projections owns the SQL schema; ingress-api reads it and keeps its own few tables, "
                    + "email-processor keeps the mailboxes' credentials (gmail_connections)");

    static final ArchRule KAFKA_STREAMS_ONLY_IN_STREAM_PACKAGES = noClasses()
            .that()
            .resideOutsideOfPackages(
                    "app.donna.*.stream..",
                    "app.donna.platform.kafka..",
                    "app.donna.cli.bench..",
                    "app.donna.cli.dev..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("org.apache.kafka.streams..")
            .because("a service's topology and its processors live in its stream package; "
                    + "platform.kafka runs them");

    static final ArchRule BUCKET4J_ONLY_WHERE_RATE_LIMITS_ARE_COUNTED = noClasses()
            .that()
            .resideOutsideOfPackage("app.donna.platform.ratelimit")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("io.github.bucket4j..")
            .because("services and filters ask a RateLimiter; where its buckets live (PostgreSQL or memory) "
                    + "is platform.ratelimit's business");

    @Test
    void decisionCodeIsFreeOfFrameworksSdksAndWireFormats() {
        DECISION_CODE_IS_PLAIN_JAVA.check(DONNA);
    }

    @Test
    void decisionCodeDependsOnNoAdapterWiringOrContract() {
        DECISION_CODE_KNOWS_NO_ADAPTER.check(DONNA);
    }

    @Test
    void servicesDoNotUseEachOthersCodeExceptIngressReadingTheReadModel() {
        SERVICES_SHARE_NO_CODE.check(DONNA);
    }

    @Test
    void dependenciesPointFromServicesToPlatformToSchemas() {
        DEPENDENCIES_POINT_FROM_SERVICES_TO_PLATFORM_TO_SCHEMAS.check(DONNA);
    }

    @Test
    void contractsCarryNoFrameworkOrSdk() {
        CONTRACTS_CARRY_NO_FRAMEWORK.check(DONNA);
    }

    @Test
    void onlyOpenAiAdapterPackagesUseTheOpenAiSdk() {
        OPENAI_ONLY_IN_OPENAI_ADAPTERS.check(DONNA);
    }

    @Test
    void onlyProjectionsAndIngressUseJooq() {
        JOOQ_ONLY_IN_PROJECTIONS_AND_INGRESS.check(DONNA);
    }

    @Test
    void onlyPlatformRateLimitUsesBucket4j() {
        BUCKET4J_ONLY_WHERE_RATE_LIMITS_ARE_COUNTED.check(DONNA);
    }

    @Test
    void onlyStreamPackagesAndPlatformKafkaUseKafkaStreams() {
        KAFKA_STREAMS_ONLY_IN_STREAM_PACKAGES.check(DONNA);
    }
}
