package dev.triggerapi.run;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import dev.triggerapi.api.ApiException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Applies a metadata update to a run's metadata object: an optional full replacement ({@code metadata}), then
 * {@code operations} in order:
 * <ul>
 *   <li>{@code set} {key, value}: sets the key</li>
 *   <li>{@code delete} {key}: removes the key</li>
 *   <li>{@code append} {key, value}: appends to the array at key (a missing key becomes a one-element array, a
 *       scalar becomes a two-element array)</li>
 *   <li>{@code remove} {key, value}: removes every element equal to value from the array at key</li>
 *   <li>{@code increment} {key, value}: adds the number (a missing or non-numeric value counts as 0)</li>
 *   <li>{@code update} {value}: merges an object's keys into the top level</li>
 * </ul>
 * A key is a top-level property name, or a {@code $.a.b} path into nested objects (created as needed).
 * Malformed updates are a 400, and so are numbers that are not finite ({@code 1e400} reads as infinity) and
 * metadata nested deeper than {@value #MAX_DEPTH} levels: bounded depth keeps every stored document readable
 * and renderable inside API responses and realtime events.
 */
final class MetadataPatch {

    /** Compares numbers by value, so {@code 1}, {@code 1L} and {@code 1.0} count as the same (no-op detection). */
    static final Comparator<JsonNode> NUMERIC_AWARE = (a, b) -> {
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue());
        }
        return a.equals(b) ? 0 : 1;
    };

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** Deepest nesting of objects and arrays a run's metadata may have (the root object is level 1). */
    static final int MAX_DEPTH = 100;

    private MetadataPatch() {
    }

    /**
     * @param current the stored metadata (an object; not modified)
     * @param body    the request body {@code {metadata?, operations?}}
     * @return the new metadata object
     */
    static ObjectNode apply(ObjectNode current, JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ApiException.badRequest("Body must be a JSON object with 'metadata' and/or 'operations'");
        }
        requireFiniteNumbers(body);
        ObjectNode result = current.deepCopy();
        JsonNode replacement = body.get("metadata");
        if (replacement != null && !replacement.isNull()) {
            if (!replacement.isObject()) {
                throw ApiException.badRequest("'metadata' must be a JSON object");
            }
            result = (ObjectNode) replacement.deepCopy();
        }
        JsonNode operations = body.get("operations");
        if (operations != null && !operations.isNull()) {
            if (!operations.isArray()) {
                throw ApiException.badRequest("'operations' must be an array");
            }
            for (int i = 0; i < operations.size(); i++) {
                apply(result, operations.get(i), i);
            }
        }
        if (depth(result) > MAX_DEPTH) {
            throw ApiException.badRequest("Metadata must not be nested deeper than " + MAX_DEPTH + " levels");
        }
        return result;
    }

    /** Rejects infinities (and NaN), which JSON cannot represent and decimal arithmetic cannot use. */
    private static void requireFiniteNumbers(JsonNode root) {
        java.util.ArrayDeque<JsonNode> pending = new java.util.ArrayDeque<>();
        pending.push(root);
        while (!pending.isEmpty()) {
            JsonNode node = pending.pop();
            if (node.isFloatingPointNumber() && !Double.isFinite(node.doubleValue()) && !node.isBigDecimal()) {
                throw ApiException.badRequest("Numbers in metadata updates must be finite");
            }
            if (node.isContainer()) {
                node.forEach(pending::push);
            }
        }
    }

    /** Nesting depth of a container tree (a scalar is 0, an empty object 1), without recursion. */
    static int depth(JsonNode root) {
        int max = 0;
        java.util.ArrayDeque<Map.Entry<JsonNode, Integer>> pending = new java.util.ArrayDeque<>();
        pending.push(Map.entry(root, 1));
        while (!pending.isEmpty()) {
            Map.Entry<JsonNode, Integer> entry = pending.pop();
            if (!entry.getKey().isContainer()) {
                continue;
            }
            max = Math.max(max, entry.getValue());
            for (JsonNode child : entry.getKey()) {
                pending.push(Map.entry(child, entry.getValue() + 1));
            }
        }
        return max;
    }

    private static void apply(ObjectNode target, JsonNode op, int index) {
        if (op == null || !op.isObject() || op.get("type") == null || !op.get("type").isString()) {
            throw ApiException.badRequest("operations[" + index + "] needs a string 'type'");
        }
        String type = op.get("type").stringValue();
        JsonNode value = op.get("value");
        if (type.equals("update")) {
            if (value == null || !value.isObject()) {
                throw ApiException.badRequest("operations[" + index + "]: 'update' needs an object 'value'");
            }
            target.setAll((ObjectNode) value.deepCopy());
            return;
        }
        List<String> path = path(op.get("key"), index);
        switch (type) {
            case "set" -> {
                requireValue(value, index, type);
                parent(target, path, true).set(last(path), value.deepCopy());
            }
            case "delete" -> {
                ObjectNode parent = parent(target, path, false);
                if (parent != null) {
                    parent.remove(last(path));
                }
            }
            case "append" -> {
                requireValue(value, index, type);
                ObjectNode parent = parent(target, path, true);
                JsonNode existing = parent.get(last(path));
                ArrayNode array;
                if (existing == null || existing.isNull()) {
                    array = NODES.arrayNode();
                } else if (existing.isArray()) {
                    array = (ArrayNode) existing;
                } else {
                    array = NODES.arrayNode().add(existing);
                }
                array.add(value.deepCopy());
                parent.set(last(path), array);
            }
            case "remove" -> {
                requireValue(value, index, type);
                ObjectNode parent = parent(target, path, false);
                JsonNode existing = parent == null ? null : parent.get(last(path));
                if (existing != null && existing.isArray()) {
                    ArrayNode kept = NODES.arrayNode();
                    for (JsonNode element : existing) {
                        if (!element.equals(NUMERIC_AWARE, value)) {
                            kept.add(element);
                        }
                    }
                    parent.set(last(path), kept);
                }
            }
            case "increment" -> {
                if (value == null || !value.isNumber()) {
                    throw ApiException.badRequest("operations[" + index + "]: 'increment' needs a numeric 'value'");
                }
                ObjectNode parent = parent(target, path, true);
                JsonNode existing = parent.get(last(path));
                BigDecimal base = existing != null && existing.isNumber() ? existing.decimalValue() : BigDecimal.ZERO;
                parent.set(last(path), number(base.add(value.decimalValue())));
            }
            default -> throw ApiException.badRequest("operations[" + index + "]: unknown type '" + type
                    + "' (set, delete, append, remove, increment, update)");
        }
    }

    private static JsonNode number(BigDecimal value) {
        BigDecimal stripped = value.stripTrailingZeros();
        if (stripped.scale() <= 0) {
            try {
                long exact = stripped.longValueExact();
                return exact == (int) exact ? NODES.numberNode((int) exact) : NODES.numberNode(exact);
            } catch (ArithmeticException tooLarge) {
                return NODES.numberNode(stripped.toBigInteger());
            }
        }
        return NODES.numberNode(value.doubleValue());
    }

    private static void requireValue(JsonNode value, int index, String type) {
        if (value == null) {
            throw ApiException.badRequest("operations[" + index + "]: '" + type + "' needs a 'value'");
        }
    }

    private static List<String> path(JsonNode key, int index) {
        if (key == null || !key.isString() || key.stringValue().isEmpty()) {
            throw ApiException.badRequest("operations[" + index + "] needs a non-empty string 'key'");
        }
        String k = key.stringValue();
        if (!k.startsWith("$.")) {
            return List.of(k);
        }
        List<String> parts = new ArrayList<>(Arrays.asList(k.substring(2).split("\\.", -1)));
        if (parts.size() >= MAX_DEPTH) {
            throw ApiException.badRequest("operations[" + index + "]: key path '" + k.substring(0, 32)
                    + "...' is deeper than " + MAX_DEPTH + " levels");
        }
        if (parts.stream().anyMatch(String::isEmpty)) {
            throw ApiException.badRequest("operations[" + index + "]: invalid key path '" + k + "'");
        }
        return parts;
    }

    /** The object holding the path's last segment; created along the way when {@code create}, else null if absent. */
    private static ObjectNode parent(ObjectNode root, List<String> path, boolean create) {
        ObjectNode node = root;
        for (String segment : path.subList(0, path.size() - 1)) {
            JsonNode child = node.get(segment);
            if (child == null || !child.isObject()) {
                if (!create) {
                    return null;
                }
                child = NODES.objectNode();
                node.set(segment, child);
            }
            node = (ObjectNode) child;
        }
        return node;
    }

    private static String last(List<String> path) {
        return path.get(path.size() - 1);
    }
}
