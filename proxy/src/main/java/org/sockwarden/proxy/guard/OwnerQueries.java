package org.sockwarden.proxy.guard;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.sockwarden.proxy.api.Operation;

/**
 * The queries of an own-only client's lists, prunes, event stream and commit, read as the engine reads
 * them ({@link Queries#parse}, Go's {@code url.ParseQuery}) and rewritten so that they reach only its
 * objects.
 *
 * <h2>{@code filters}</h2>
 * The engine reads the first {@code filters} parameter with {@code filters.FromJSON}: JSON decoded into
 * {@code map[string]map[string]bool} (each value a set of strings; the booleans are not looked at), or,
 * when that fails, into the legacy {@code map[string][]string}; anything else is refused (400). The
 * owner's {@code label} value is added to what the client sent, in the map form. Every filter key
 * narrows what the engine returns, and the values of {@code label} must all match (a client's own
 * {@code label} values can only narrow further), so nothing the client sends reaches objects without
 * the owner label. Sent twice, {@code filters} is refused: the engine would read only the first.
 */
public final class OwnerQueries {
    private static final String FILTERS = "filters";
    private static final String LABEL = "label";
    private static final String TYPE = "type";

    private OwnerQueries() {}

    /**
     * {@code rawQuery} with the owner label merged into its {@code filters} and, when {@code eventTypes} is not
     * null (the event stream), its {@code type} filter limited to those types (all of them when the client sent
     * none). Throws {@link RefusedRequestException}: 400 for a query or filters the engine would read
     * differently or refuse, 403 for event types of which the client can own none.
     */
    public static String withOwner(Operation op, String rawQuery, Label owner, Set<String> eventTypes) {
        try {
            List<Queries.Param> params = Queries.parse(rawQuery);
            String given = null;
            for (Queries.Param p : params) {
                if (p.name().equals(FILTERS)) {
                    if (given != null) {
                        throw Refusal.malformed("query filters", "sent more than once: the engine reads only the first, which"
                                + " sockwarden does not guess at; send one");
                    }
                    given = p.value();
                }
            }
            Map<String, Set<String>> filters = given == null ? new LinkedHashMap<>() : read(given);
            filters.computeIfAbsent(LABEL, k -> new LinkedHashSet<>()).add(owner.key() + "=" + owner.value());
            if (eventTypes != null) {
                Set<String> asked = filters.get(TYPE);
                Set<String> types = new TreeSet<>(eventTypes);
                if (asked != null) {
                    types.retainAll(asked);
                    if (types.isEmpty()) {
                        throw Refusal.forbidden("query filters.type", "an own-only client sees only events of what it can own ("
                                + String.join(", ", new TreeSet<>(eventTypes)) + "), and " + asked + " is none of them", null);
                    }
                }
                filters.put(TYPE, types);
            }
            List<Queries.Param> out = new ArrayList<>();
            boolean placed = false;
            for (Queries.Param p : params) {
                if (!p.name().equals(FILTERS)) {
                    out.add(p);
                } else if (!placed) {
                    out.add(new Queries.Param(FILTERS, write(filters)));
                    placed = true;
                }
            }
            if (!placed) {
                out.add(new Queries.Param(FILTERS, write(filters)));
            }
            return encode(out);
        } catch (Refusal r) {
            throw new RefusedRequestException(r.verdict(op));
        }
    }

    /**
     * The value of parameter {@code name} as the engine reads it, "" when absent. Sent twice, it is refused
     * (400): the engine would read the first.
     */
    public static String single(Operation op, String rawQuery, String name) {
        try {
            String value = null;
            for (Queries.Param p : Queries.parse(rawQuery)) {
                if (p.name().equals(name)) {
                    if (value != null) {
                        throw Refusal.malformed("query " + name, "sent more than once: the engine reads only the first; send one");
                    }
                    value = p.value();
                }
            }
            return value == null ? "" : value;
        } catch (Refusal r) {
            throw new RefusedRequestException(r.verdict(op));
        }
    }

    /** {@code rawQuery} (already read with {@link #single}) with parameter {@code name} set to {@code value}. */
    public static String with(String rawQuery, String name, String value) {
        List<Queries.Param> out = new ArrayList<>();
        boolean placed = false;
        for (Queries.Param p : Queries.parse(rawQuery)) {
            if (!p.name().equals(name)) {
                out.add(p);
            } else if (!placed) {
                out.add(new Queries.Param(name, value));
                placed = true;
            }
        }
        if (!placed) {
            out.add(new Queries.Param(name, value));
        }
        return encode(out);
    }

    /** Form-encoded pairs, which Go's {@code url.ParseQuery} reads back as they are. */
    private static String encode(List<Queries.Param> params) {
        StringBuilder b = new StringBuilder();
        for (Queries.Param p : params) {
            if (b.length() > 0) {
                b.append('&');
            }
            b.append(URLEncoder.encode(p.name(), StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(p.value(), StandardCharsets.UTF_8));
        }
        return b.toString();
    }

    /** The filters as {@code filters.FromJSON} reads them: key to set of values, keys in the client's order. */
    static Map<String, Set<String>> read(String json) {
        Map<String, Set<String>> out = new LinkedHashMap<>();
        if (json.isEmpty()) {
            return out;
        }
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        Json doc = JsonReader.read(bytes, bytes.length);
        if (doc == null) {
            throw invalid("holds no JSON value");
        }
        if (doc == Json.Null.NULL) {
            return out;
        }
        if (!(doc instanceof Json.Obj obj)) {
            throw invalid("is a JSON " + doc.kind() + ", not an object");
        }
        boolean mapForm = true;
        boolean listForm = true;
        for (Json.Member m : obj.members()) {
            mapForm &= m.value() == Json.Null.NULL || m.value() instanceof Json.Obj o
                    && o.members().stream().allMatch(v -> v.value() instanceof Json.Bool || v.value() == Json.Null.NULL);
            listForm &= m.value() == Json.Null.NULL || m.value() instanceof Json.Arr a
                    && a.items().stream().allMatch(v -> v instanceof Json.Str || v == Json.Null.NULL);
        }
        if (!mapForm && !listForm) {
            throw invalid("is neither {\"key\":{\"value\":true}} nor the legacy {\"key\":[\"value\"]} throughout");
        }
        for (Json.Member m : obj.members()) {
            Set<String> values = new LinkedHashSet<>();
            if (m.value() instanceof Json.Obj o) {
                o.members().forEach(v -> values.add(v.key()));
            } else if (m.value() instanceof Json.Arr a) {
                a.items().forEach(v -> values.add(v instanceof Json.Str s ? s.value() : ""));
            }
            out.put(m.key(), values);
        }
        return out;
    }

    private static Refusal invalid(String what) {
        return Refusal.malformed("query filters", "the filters " + what + " (the engine refuses them as invalid)");
    }

    private static String write(Map<String, Set<String>> filters) {
        List<Json.Member> members = new ArrayList<>();
        filters.forEach((key, values) -> {
            List<Json.Member> set = new ArrayList<>();
            values.forEach(v -> set.add(new Json.Member(v, Json.Bool.TRUE)));
            members.add(new Json.Member(key, new Json.Obj(set)));
        });
        return new String(JsonWriter.write(new Json.Obj(members)), StandardCharsets.UTF_8);
    }
}
