package org.genblocks.io;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The container grammar of the header reader: members, empty containers, nesting, and the errors with their position. */
class JsonTest {
    @Test
    void readsNestedAndEmptyContainers() {
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("b", List.of());
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("a", List.of(1L, inner, Map.of()));
        expected.put("c", Boolean.TRUE);
        assertEquals(expected, Json.parse(" { \"a\" : [1, {\"b\": [ ]}, { }], \"c\": true } "));
        assertEquals(List.of(), Json.parse("[]"));
        assertEquals(Map.of(), Json.parse("{}"));
    }

    @Test
    void namesTheBrokenContainerAndThePosition() {
        assertEquals("bad JSON at character 6: unterminated object", message("{\"a\":1"));
        assertEquals("bad JSON at character 7: expected ',' or '}'", message("{\"a\":1;}"));
        assertEquals("bad JSON at character 2: unterminated array", message("[1"));
        assertEquals("bad JSON at character 4: expected ',' or ']'", message("[1 2]"));
        assertEquals("bad JSON at character 3: unexpected character ']'", message("[1,]"));
        assertEquals("bad JSON at character 1: unexpected end of input", message("["));
        assertEquals("bad JSON at character 12: duplicate key \"a\"", message("{\"a\":1,\"a\":2}"));
    }

    private static String message(String text) {
        return assertThrows(IllegalArgumentException.class, () -> Json.parse(text)).getMessage();
    }
}
