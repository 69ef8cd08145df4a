package org.sockwarden.proxy.guard;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What one inspection judges against: the client's guardrails, the host's paths, the engine, and the
 * labels to force onto what the request creates (the client's {@code label=} items and the owner
 * label, which wins).
 */
record Inspection(Guardrails rules, HostPaths paths, EngineInfo engine, Map<String, String> labels) {

    private static final Shape LABELS = new Shape("labels", "Labels");

    /**
     * {@code parent} with its {@code Labels} (a map[string]string, found the way Go finds the field)
     * holding the forced labels: client labels whose keys fold onto a forced key are dropped, the
     * forced ones appended. The same object when there is nothing to force.
     */
    Json.Obj forceLabels(Json.Obj parent, String path) {
        if (labels.isEmpty()) {
            return parent;
        }
        String field = "Labels";
        List<Json.Member> members = new ArrayList<>(parent.members());
        int at = -1;
        for (int i = 0; i < members.size(); i++) {
            if (LABELS.indexOf(members.get(i).key()) >= 0) {
                at = i;
            }
        }
        List<Json.Member> merged = new ArrayList<>();
        if (at >= 0) {
            for (Json.Member m : Values.stringMap(members.get(at).value(), Shape.join(path, field))) {
                boolean forced = false;
                for (String key : labels.keySet()) {
                    forced |= GoFold.equalFold(key, m.key());
                }
                if (!forced) {
                    merged.add(m);
                }
            }
        }
        labels.forEach((k, v) -> merged.add(new Json.Member(k, new Json.Str(v))));
        Json.Member member = new Json.Member(at >= 0 ? members.get(at).key() : field, new Json.Obj(merged));
        if (at >= 0) {
            members.set(at, member);
        } else {
            members.add(member);
        }
        return new Json.Obj(members);
    }

    /** {@code parent} with member {@code key} (as the body spells it) replaced by {@code value}. */
    static Json.Obj replace(Json.Obj parent, Json.Obj old, Json.Obj value) {
        if (old == value) {
            return parent;
        }
        List<Json.Member> members = new ArrayList<>(parent.members());
        for (int i = 0; i < members.size(); i++) {
            if (members.get(i).value() == old) {
                members.set(i, new Json.Member(members.get(i).key(), value));
            }
        }
        return new Json.Obj(members);
    }

    /** With image patterns, {@code ref} must be a name they admit (not an ID, which names do not judge). */
    void image(String field, String ref) {
        image(field, ref, false);
    }

    /** @param everyTag a reference without tag or digest stands for every tag (a pull), not {@code latest} */
    void image(String field, String ref, boolean everyTag) {
        if (rules.images().isEmpty()) {
            return;
        }
        if (ImageRefs.isIdLike(ref)) {
            throw Refusal.forbidden(field, "image " + Texts.quote(ref) + " may be an image ID or ID prefix, which the"
                    + " client's image patterns cannot judge; name the image", null);
        }
        ImageRefs.Ref normalized = ImageRefs.normalize(ref, everyTag);
        if (normalized == null) {
            throw Refusal.malformed(field, Texts.quote(ref) + " is not an image reference");
        }
        for (ImagePattern p : rules.images()) {
            if (p.matches(normalized)) {
                return;
            }
        }
        throw Refusal.forbidden(field, "image " + normalized.full() + " matches none of the client's images " + rules.images(),
                "image=" + normalized.name());
    }
}
