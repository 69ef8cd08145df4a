package org.sockwarden.proxy.api;

import java.util.List;

/**
 * The kinds of engine objects an own-only client can own, with what sockwarden reads to learn whose one
 * is: the route that inspects one by reference (name, ID or ID prefix, resolved by the engine), where its
 * labels are in that answer, and the field that holds its full ID. An exec instance and a task carry no
 * labels of their own: they are their container's and their service's, named in the answer by
 * {@link #parentField()}.
 */
public enum ObjectKind {
    CONTAINER("container", "/containers/{name}/json", List.of("Config", "Labels"), "Id", null, null),
    EXEC("exec instance", "/exec/{id}/json", null, "ID", "ContainerID", CONTAINER),
    NETWORK("network", "/networks/{id}", List.of("Labels"), "Id", null, null),
    VOLUME("volume", "/volumes/{name}", List.of("Labels"), "Name", null, null),
    SERVICE("service", "/services/{id}", List.of("Spec", "Labels"), "ID", null, null),
    TASK("task", "/tasks/{id}", null, "ID", "ServiceID", SERVICE),
    SECRET("secret", "/secrets/{id}", List.of("Spec", "Labels"), "ID", null, null),
    CONFIG("config", "/configs/{id}", List.of("Spec", "Labels"), "ID", null, null);

    private final String noun;
    private final String inspect;
    private final List<String> labels;
    private final String idField;
    private final String parentField;
    private final ObjectKind parent;

    ObjectKind(String noun, String inspect, List<String> labels, String idField, String parentField, ObjectKind parent) {
        this.noun = noun;
        this.inspect = inspect;
        this.labels = labels;
        this.idField = idField;
        this.parentField = parentField;
        this.parent = parent;
    }

    /** How messages name one: {@code container}, {@code exec instance}. */
    public String noun() {
        return noun;
    }

    /** The GET route that inspects one, with one variable: its reference. */
    public String inspect() {
        return inspect;
    }

    /** Where its labels are in the inspect answer (a path of object keys), or null when it has none of its own. */
    public List<String> labels() {
        return labels;
    }

    /** The top-level field of the inspect answer that holds its full ID (a volume's name is its ID). */
    public String idField() {
        return idField;
    }

    /** For a kind without labels: the top-level field of the inspect answer naming the object that owns it; else null. */
    public String parentField() {
        return parentField;
    }

    /** The kind of {@link #parentField()}'s object, or null. */
    public ObjectKind parent() {
        return parent;
    }
}
