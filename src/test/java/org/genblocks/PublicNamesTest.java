package org.genblocks;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Wildcard imports compile: no public top-level type of the library shares its simple name with another
 * one, or with a type of {@code java.lang}, {@code java.util} or {@code java.nio.file} (a clash makes
 * "reference to X is ambiguous" the first thing a user meets).
 */
class PublicNamesTest {
    @Test
    void publicTypeNamesAreUnique() {
        JavaClasses main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("org.genblocks");
        Map<String, List<String>> byName = new TreeMap<>();
        for (JavaClass c : main) {
            if (c.isTopLevelClass() && c.getModifiers().contains(JavaModifier.PUBLIC)) {
                byName.computeIfAbsent(c.getSimpleName(), k -> new ArrayList<>()).add(c.getName());
            }
        }
        assertTrue(byName.size() > 150, "expected the library's public types, found " + byName.size());
        List<String> clashes = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : byName.entrySet()) {
            if (e.getValue().size() > 1) {
                clashes.add(e.getValue().toString());
            }
            for (String pkg : List.of("java.lang.", "java.util.", "java.nio.file.")) {
                if (exists(pkg + e.getKey())) {
                    clashes.add(e.getValue() + " vs " + pkg + e.getKey());
                }
            }
        }
        assertEquals(List.of(), clashes);
    }

    @Test
    void theCheckSeesAJdkName() {
        assertTrue(exists("java.lang.Module") && exists("java.nio.file.Path") && !exists("java.lang.Block"));
    }

    private static boolean exists(String name) {
        try {
            Class.forName(name, false, PublicNamesTest.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }
}
