package org.sockwarden.proxy.scope;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import org.sockwarden.proxy.api.ObjectKind;
import org.sockwarden.proxy.api.RedactedField;

/**
 * The engine's inspect answers, read with jackson's streaming parser: the few fields an owner check needs,
 * and a copy with the redacted fields left out. Strict JSON (jackson's defaults), a single value; anything
 * else is an {@link IOException}, and the caller passes nothing of such an answer on.
 */
final class AnswerJson {
    private static final JsonFactory FACTORY = JsonFactory.builder().build();

    private AnswerJson() {}

    /**
     * What an owner check reads from the inspect answer of a {@code kind}.
     *
     * @param id     the object's full ID ({@link ObjectKind#idField()}), or null
     * @param parent the ID of the object it belongs to ({@link ObjectKind#parentField()}), or null
     * @param owner  the value of its label {@code ownerKey}, or null when it has none (or has it twice)
     */
    record Inspected(String id, String parent, String owner) {}

    static Inspected inspected(byte[] answer, ObjectKind kind, String ownerKey) throws IOException {
        List<String> idPath = List.of(kind.idField());
        List<String> parentPath = kind.parentField() == null ? null : List.of(kind.parentField());
        List<String> ownerPath = null;
        if (kind.labels() != null) {
            ownerPath = new ArrayList<>(kind.labels());
            ownerPath.add(ownerKey);
        }
        String id = null;
        String parent = null;
        String owner = null;
        int owners = 0;
        try (JsonParser p = FACTORY.createParser(answer)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IOException("the answer is not a JSON object");
            }
            JsonToken t;
            while ((t = p.nextToken()) != null && !endOfRoot(p, t)) {
                if (t != JsonToken.VALUE_STRING) {
                    continue;
                }
                List<String> at = path(p.getParsingContext(), p.currentName());
                if (at.equals(idPath)) {
                    id = p.getText();
                } else if (at.equals(parentPath)) {
                    parent = p.getText();
                } else if (at.equals(ownerPath)) {
                    owner = p.getText();
                    owners++;
                }
            }
            single(p, t);
        }
        return new Inspected(id, parent, owners == 1 ? owner : null);
    }

    /** {@code answer} without the members at the paths of {@code fields}, wherever they occur; the rest as it was. */
    static byte[] redact(byte[] answer, Set<RedactedField> fields) throws IOException {
        List<List<String>> paths = fields.stream().map(RedactedField::path).toList();
        try (ByteArrayBuilder out = new ByteArrayBuilder(answer.length)) {
            try (JsonParser p = FACTORY.createParser(answer); JsonGenerator g = FACTORY.createGenerator(out)) {
                if (p.nextToken() != JsonToken.START_OBJECT) {
                    throw new IOException("the answer is not a JSON object");
                }
                g.copyCurrentEvent(p);
                JsonToken t;
                while ((t = p.nextToken()) != null) {
                    if (t == JsonToken.FIELD_NAME && paths.contains(path(p.getParsingContext(), p.currentName()))) {
                        p.nextToken();
                        p.skipChildren();
                        continue;
                    }
                    g.copyCurrentEvent(p);
                    if (endOfRoot(p, t)) {
                        break;
                    }
                }
                single(p, t);
            }
            return out.toByteArray();
        }
    }

    private static boolean endOfRoot(JsonParser p, JsonToken t) {
        return t == JsonToken.END_OBJECT && p.getParsingContext().inRoot();
    }

    /** The root object ended ({@code last} is its end), and nothing follows it. */
    private static void single(JsonParser p, JsonToken last) throws IOException {
        if (last == null) {
            throw new IOException("the answer ends inside its JSON value");
        }
        if (p.nextToken() != null) {
            throw new IOException("content after the answer's JSON value");
        }
    }

    /**
     * The keys from the root to {@code name} in the object {@code context} is; empty when it is inside an
     * array (no field of the API answers this reads is).
     */
    private static List<String> path(JsonStreamContext context, String name) {
        if (!context.inObject()) {
            return List.of();
        }
        List<String> keys = new ArrayList<>();
        keys.add(name);
        for (JsonStreamContext c = context; c.getParent() != null && !c.getParent().inRoot(); c = c.getParent()) {
            JsonStreamContext parent = c.getParent();
            if (!parent.inObject()) {
                return List.of();
            }
            keys.add(parent.getCurrentName());
        }
        Collections.reverse(keys);
        return keys;
    }
}
