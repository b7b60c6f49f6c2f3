package io.partita.coordinator;

import static com.tngtech.archunit.base.DescribedPredicate.describe;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.type;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import io.partita.coordinator.calls.CallService;
import io.partita.coordinator.common.PartitaException;
import io.partita.store.TreeShape;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The dependency rules between the coordinator's packages, as written in {@code
 * docs/architecture.md}: checked on the compiled main classes, so an import that breaks a rule fails
 * the build. Each rule names the exceptions it allows; there are as few as the code needs.
 */
class ArchitectureTest {
    private static final String ROOT = "io.partita.coordinator";
    private static final String CORE = ROOT + ".core..";
    /** The packages that hold what the coordinator does, without knowing how it is reached. */
    private static final String[] DOMAIN = {
        ROOT + ".common..",
        ROOT + ".core..",
        ROOT + ".jobs..",
        ROOT + ".calls..",
        ROOT + ".data..",
        ROOT + ".sched..",
        ROOT + ".auth.."
    };
    /** The packages that reach the outside world: HTTP routes, WebSocket sessions, web pages. */
    private static final String[] EDGE = {ROOT + ".http..", ROOT + ".wire..", ROOT + ".web.."};
    /** Helidon's HTTP, web server and WebSocket types, which only the edge and the root may use. */
    private static final String[] HELIDON_WEB = {"io.helidon.http..", "io.helidon.webserver..", "io.helidon.websocket.."
    };

    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages(ROOT);
    }

    @Test
    void core_dependsOnlyOnJavaAndTreeShape() {
        ArchRule rule = classes()
                .that()
                .resideInAPackage(CORE)
                .should()
                .onlyDependOnClassesThat(resideInAnyPackage("java..", CORE).or(type(TreeShape.class)))
                .because("the scheduling core is pure: no I/O, no threads, nothing of the shell around it");
        rule.check(classes);
    }

    @Test
    void domain_doesNotDependOnTheEdgeOrHelidonWeb() {
        ArchRule rule = noClasses()
                .that()
                .resideInAnyPackage(DOMAIN)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(concat(EDGE, HELIDON_WEB))
                .because("domain classes do not know how they are reached (HTTP, WebSocket, pages)");
        rule.check(classes);
    }

    @Test
    void domain_throwsDomainErrorsNotHttpOnes() {
        DescribedPredicate<JavaClass> edgeOrHttpError = describe(
                "an exception of the edge or of Helidon's HTTP",
                c -> c.isAssignableTo(Throwable.class)
                        && (c.getSimpleName().equals("ApiException")
                                || resideInAnyPackage(concat(EDGE, HELIDON_WEB)).test(c)));
        ArchRule rule = noClasses()
                .that()
                .resideInAnyPackage(DOMAIN)
                .should()
                .dependOnClassesThat(edgeOrHttpError)
                .because("domain classes throw " + PartitaException.class.getSimpleName()
                        + "; the edge maps it to HTTP in one place");
        rule.check(classes);
    }

    @Test
    void onlyTheRootPackage_wiresTheCoordinator() {
        DescribedPredicate<JavaClass> rootButConfig = describe(
                "the root package, other than CoordinatorConfig and its Limits",
                c -> c.getPackageName().equals(ROOT)
                        && !isOrNestedIn(c, CoordinatorConfig.class)
                        && !isOrNestedIn(c, Limits.class));
        ArchRule rule = noClasses()
                .that()
                .resideOutsideOfPackage(ROOT)
                .should()
                .dependOnClassesThat(rootButConfig)
                .because("the root package wires everything; the others may only read its settings");
        rule.check(classes);
    }

    @Test
    void packages_areFreeOfCycles_butForTheCallEntrance() {
        ArchRule rule = slices().matching(ROOT + ".(*)..")
                .should()
                .beFreeOfCycles()
                // calls -> sched: CallService hands grid calls to the Scheduler, which runs them with
                // the function registry and cache of calls (docs/architecture.md, "Allowed cycles")
                .ignoreDependency(
                        describe("CallService", (JavaClass c) -> isOrNestedIn(c, CallService.class)),
                        resideInAPackage(ROOT + ".sched.."));
        rule.check(classes);
    }

    private static boolean isOrNestedIn(JavaClass c, Class<?> outer) {
        return c.getName().equals(outer.getName()) || c.getName().startsWith(outer.getName() + "$");
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = new String[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
