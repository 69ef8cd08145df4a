package org.sockwarden.proxy.guard;

import java.util.List;

/**
 * A request body as the engine's decoder will see it: keys and strings with their escapes decoded,
 * numbers kept as their literal text (so that a rewrite writes them back unchanged), object members
 * in their order. {@link JsonReader} builds it only from bodies whose every key is unique under Go's
 * case folding, so a key names one member.
 */
sealed interface Json permits Json.Obj, Json.Arr, Json.Str, Json.Num, Json.Bool, Json.Null {

    /** What Go's decoder calls the JSON type in its errors. */
    String kind();

    record Member(String key, Json value) {}

    record Obj(List<Member> members) implements Json {
        @Override
        public String kind() {
            return "object";
        }
    }

    record Arr(List<Json> items) implements Json {
        @Override
        public String kind() {
            return "array";
        }
    }

    record Str(String value) implements Json {
        @Override
        public String kind() {
            return "string";
        }
    }

    /** {@code text} is the number exactly as the body wrote it ({@code -0}, {@code 1e2}, ...). */
    record Num(String text) implements Json {
        @Override
        public String kind() {
            return "number";
        }
    }

    enum Bool implements Json {
        FALSE, TRUE;

        @Override
        public String kind() {
            return "bool";
        }
    }

    enum Null implements Json {
        NULL;

        @Override
        public String kind() {
            return "null";
        }
    }
}
