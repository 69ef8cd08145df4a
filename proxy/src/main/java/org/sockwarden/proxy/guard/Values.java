package org.sockwarden.proxy.guard;

import java.util.ArrayList;
import java.util.List;

/**
 * JSON values typed as Go's decoder types them. A value of another JSON type is refused (400): Go
 * refuses it too ({@code "Privileged": 1} fails to decode), so refusing costs nothing and no coercion
 * can differ. {@code null} is the zero value, as Go leaves the field untouched, and inside arrays and
 * maps of strings it is the empty string, as Go stores it.
 */
final class Values {
    private Values() {}

    static Refusal wrongType(String path, String expected, Json got) {
        return Refusal.malformed(path, "must be " + expected + ", not a " + got.kind() + " (the engine would refuse it)");
    }

    static String string(Json v, String path) {
        if (v == null || v == Json.Null.NULL) {
            return "";
        }
        if (v instanceof Json.Str s) {
            return s.value();
        }
        throw wrongType(path, "a string", v);
    }

    static boolean bool(Json v, String path) {
        if (v == null || v == Json.Null.NULL) {
            return false;
        }
        if (v instanceof Json.Bool b) {
            return b == Json.Bool.TRUE;
        }
        throw wrongType(path, "true or false", v);
    }

    /**
     * Go's {@code strconv.ParseInt(literal, 10, 64)}: an integer literal in range. {@code 1e2}, {@code 1.0}
     * and out-of-range literals fail to decode at the engine and are refused here.
     */
    static long int64(Json v, String path) {
        if (!(v instanceof Json.Num n)) {
            throw wrongType(path, "an integer", v);
        }
        String t = n.text();
        for (int i = t.startsWith("-") ? 1 : 0; i < t.length(); i++) {
            if (t.charAt(i) < '0' || t.charAt(i) > '9') {
                throw Refusal.malformed(path, "must be an integer, not " + t + " (the engine would refuse it)");
            }
        }
        try {
            return Long.parseLong(t);
        } catch (NumberFormatException e) {
            throw Refusal.malformed(path, t + " is out of the int64 range (the engine would refuse it)");
        }
    }

    static List<String> strings(Json v, String path) {
        if (v == null || v == Json.Null.NULL) {
            return List.of();
        }
        if (!(v instanceof Json.Arr a)) {
            throw wrongType(path, "an array of strings", v);
        }
        List<String> out = new ArrayList<>(a.items().size());
        for (int i = 0; i < a.items().size(); i++) {
            Json item = a.items().get(i);
            out.add(item instanceof Json.Str s ? s.value() : string(item, path + "[" + i + "]"));
        }
        return out;
    }

    /** A {@code map[string]string}: the members, each value checked to be a string or null. */
    static List<Json.Member> stringMap(Json v, String path) {
        if (v == null || v == Json.Null.NULL) {
            return List.of();
        }
        if (!(v instanceof Json.Obj o)) {
            throw wrongType(path, "an object of strings", v);
        }
        for (Json.Member m : o.members()) {
            if (!(m.value() instanceof Json.Str)) {
                string(m.value(), path + "." + m.key());
            }
        }
        return o.members();
    }
}
