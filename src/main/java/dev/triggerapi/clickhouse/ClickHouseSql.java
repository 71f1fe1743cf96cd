package dev.triggerapi.clickhouse;

import java.util.Collection;
import java.util.stream.Collectors;

/**
 * Literals for ClickHouse SQL. ClickHouse 18.16 has no query parameters over HTTP, so values a client sent
 * (task identifiers, tags) are written as quoted literals; this is the one place that quotes them.
 */
public final class ClickHouseSql {

    private ClickHouseSql() {
    }

    /** A single-quoted string literal: backslash and quote escaped, so no value can end the literal. */
    public static String literal(String value) {
        StringBuilder sb = new StringBuilder(value.length() + 2).append('\'');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '\'' -> sb.append("\\'");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\0' -> sb.append("\\0");
                default -> sb.append(c);
            }
        }
        return sb.append('\'').toString();
    }

    /** {@code ('a', 'b')}, for {@code IN}. */
    public static String tuple(Collection<String> values) {
        return values.stream().map(ClickHouseSql::literal).collect(Collectors.joining(", ", "(", ")"));
    }

    /** {@code ['a', 'b']}, for array functions. */
    public static String array(Collection<String> values) {
        return values.stream().map(ClickHouseSql::literal).collect(Collectors.joining(", ", "[", "]"));
    }
}
