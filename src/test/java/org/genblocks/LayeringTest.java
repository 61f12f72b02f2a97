package org.genblocks;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.genblocks.tensor.LayeringViolationFixture;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The package layering of the design notes (docs/design.md §1) as a build check: a package of {@code org.genblocks} may use only
 * packages above it in {@link #LAYERS}. The check reads the compiled classes (every dependency javac
 * recorded: imports, fully-qualified names, signatures), so an upward use fails {@code mvn test}.
 */
class LayeringTest {
    /**
     * Top to bottom; a package depends only on packages listed before it. "" is the root package.
     * {@code metrics} sits right under {@code tensor} (it needs nothing else, and flows report bits/dim);
     * {@code diffusion} is the one frame of docs/design.md §1b and {@code rf} the rectified-flow techniques on it.
     */
    static final List<String> LAYERS = List.of("tensor", "metrics", "nn", "io", "train", "position", "attention", "ode",
            "flow", "diffusion", "rf", "dit", "data", "viz", "");

    @Test
    void mainClassesImportOnlyUpward() {
        JavaClasses main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("org.genblocks");
        assertTrue(main.size() > 300, "expected the library's classes, found " + main.size());
        List<String> violations = violations(main);
        assertEquals(List.of(), violations, "upward dependencies (see LayeringTest.LAYERS)");
    }

    @Test
    void theRuleReportsAnUpwardImport() {
        JavaClasses fixture = new ClassFileImporter().importClasses(LayeringViolationFixture.class);
        List<String> violations = violations(fixture);
        assertEquals(1, violations.size(), violations.toString());
        assertTrue(violations.get(0).startsWith("tensor -> viz: org.genblocks.tensor.LayeringViolationFixture"),
                violations.get(0));
    }

    @Test
    void everyPackageHasALayer() {
        JavaClasses main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("org.genblocks");
        TreeSet<String> unknown = new TreeSet<>();
        for (JavaClass c : main) {
            if (!LAYERS.contains(layer(c.getPackageName()))) {
                unknown.add(c.getPackageName());
            }
        }
        assertEquals(new TreeSet<String>(), unknown, "packages missing from LayeringTest.LAYERS");
    }

    /** Every dependency of {@code classes} on a genblocks package below its own, as "from -> to: origin". */
    static List<String> violations(JavaClasses classes) {
        TreeSet<String> out = new TreeSet<>();
        for (JavaClass c : classes) {
            String from = layer(c.getPackageName());
            int fromIndex = LAYERS.indexOf(from);
            for (Dependency d : c.getDirectDependenciesFromSelf()) {
                String pkg = d.getTargetClass().getPackageName();
                if (!pkg.equals("org.genblocks") && !pkg.startsWith("org.genblocks.")) {
                    continue;
                }
                String to = layer(pkg);
                int toIndex = LAYERS.indexOf(to);
                if (toIndex > fromIndex || toIndex < 0) {
                    out.add(from + " -> " + (to.isEmpty() ? "root" : to) + ": " + c.getName() + " uses "
                            + d.getTargetClass().getName());
                }
            }
        }
        return new ArrayList<>(out);
    }

    /** The top-level package under org.genblocks ("" for the root). */
    static String layer(String pkg) {
        if (pkg.equals("org.genblocks")) {
            return "";
        }
        String rest = pkg.substring("org.genblocks.".length());
        int dot = rest.indexOf('.');
        return dot < 0 ? rest : rest.substring(0, dot);
    }
}
