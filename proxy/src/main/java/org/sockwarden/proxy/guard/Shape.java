package org.sockwarden.proxy.guard;

import java.util.ArrayList;
import java.util.List;

/**
 * A Go struct of the Docker API as the engine decodes a JSON object into it, reduced to the fields
 * the guard reads. A key reaches a field when Go's {@link GoFold#equalFold} says it does
 * ({@code "privileged"}, {@code "PRIVILEGED"} reach {@code Privileged}); keys with non-ASCII
 * characters are refused outright (400): no Docker field name has one, Go folds two of them onto
 * ASCII letters (ſ onto s, the Kelvin sign onto k), and other decoders fold more (a decoder that
 * lower-cases keys reads {@code İ} as {@code i}).
 */
final class Shape {

    private final String name;
    private final String[] fields;
    /** Open addressing by the field's folded hash: index + 1, 0 for empty. */
    private final int[] slots;

    /** @param name how messages name the struct; @param fields Go's JSON names of the fields read */
    Shape(String name, String... fields) {
        this.name = name;
        this.fields = fields.clone();
        this.slots = new int[Integer.highestOneBit(Math.max(4, fields.length * 4)) * 2];
        for (int i = 0; i < fields.length; i++) {
            if (indexOf(fields[i]) >= 0) {
                throw new IllegalArgumentException(name + ": " + fields[i] + " folds onto another field");
            }
            int s = GoFold.hash(fields[i]) & (slots.length - 1);
            while (slots[s] != 0) {
                s = (s + 1) & (slots.length - 1);
            }
            slots[s] = i + 1;
        }
    }

    String name() {
        return name;
    }

    /** The index of the field {@code key} reaches, or -1. */
    int indexOf(String key) {
        int s = GoFold.hash(key) & (slots.length - 1);
        while (slots[s] != 0) {
            String f = fields[slots[s] - 1];
            if (GoFold.equalFold(f, key)) {
                return slots[s] - 1;
            }
            s = (s + 1) & (slots.length - 1);
        }
        return -1;
    }

    /**
     * The struct at {@code path}: {@code value} must be an object, or null or absent (Go leaves the
     * struct at its zero value: every field absent).
     */
    View view(Json value, String path) {
        Json[] values = new Json[fields.length];
        if (value == null || value == Json.Null.NULL) {
            return new View(values, path, null);
        }
        if (!(value instanceof Json.Obj obj)) {
            throw Values.wrongType(path, "an object", value);
        }
        for (Json.Member m : obj.members()) {
            String key = m.key();
            if (!isAscii(key)) {
                throw Refusal.malformed(join(path, key), "a key with non-ASCII characters in " + name
                        + ": Go's decoder folds some of them onto ASCII field names (ſ onto s, K onto k) and other"
                        + " decoders fold others; write field names in ASCII");
            }
            int i = indexOf(key);
            if (i >= 0) {
                values[i] = m.value();
            }
        }
        return new View(values, path, obj);
    }

    static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    static String join(String path, String field) {
        return path.isEmpty() ? field : path + "." + field;
    }

    /** One decoded struct: the fields the guard reads, typed the way Go's decoder types them. */
    final class View {
        private final Json[] values;
        private final String path;
        private final Json.Obj object;

        private View(Json[] values, String path, Json.Obj object) {
            this.values = values;
            this.path = path;
            this.object = object;
        }

        /** The object this view reads, or null when the struct was absent or null. */
        Json.Obj object() {
            return object;
        }

        /** {@code HostConfig.Privileged}: the field's path as the engine names it. */
        String path(String field) {
            return join(path, field);
        }

        /** The value of {@code field}, or null when absent. */
        Json get(String field) {
            return values[index(field)];
        }

        boolean has(String field) {
            Json v = get(field);
            return v != null && v != Json.Null.NULL;
        }

        String string(String field) {
            return Values.string(get(field), path(field));
        }

        boolean bool(String field) {
            return Values.bool(get(field), path(field));
        }

        /** An int64 field; 0 when absent or null, as Go leaves it. */
        long int64(String field) {
            Json v = get(field);
            return v == null || v == Json.Null.NULL ? 0 : Values.int64(v, path(field));
        }

        List<String> strings(String field) {
            return Values.strings(get(field), path(field));
        }

        /** A map[string]string field as its members (values as strings); empty when absent or null. */
        List<Json.Member> stringMap(String field) {
            return Values.stringMap(get(field), path(field));
        }

        /** A []struct field: the array's items, each for {@link Shape#view}; empty when absent or null. */
        List<Json> array(String field) {
            Json v = get(field);
            if (v == null || v == Json.Null.NULL) {
                return List.of();
            }
            if (!(v instanceof Json.Arr a)) {
                throw Values.wrongType(path(field), "an array", v);
            }
            return a.items();
        }

        View struct(String field, Shape shape) {
            return shape.view(get(field), path(field));
        }

        private int index(String field) {
            int i = indexOf(field);
            if (i < 0 || !fields[i].equals(field)) {
                throw new IllegalArgumentException(name + " has no field " + field + " in its shape");
            }
            return i;
        }
    }

    /** Keys of {@code obj} that reach a field of this shape, in body order (for fields no struct of the request should carry). */
    List<String> keysIn(Json.Obj obj) {
        List<String> found = new ArrayList<>();
        for (Json.Member m : obj.members()) {
            if (indexOf(m.key()) >= 0) {
                found.add(m.key());
            }
        }
        return found;
    }
}
