package org.sockwarden.proxy.api;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The fields of a container inspect answer ({@code GET /containers/{name}/json}) that carry secrets, and
 * that a client's answers can have stripped ({@code client add --redact Config.Env}). Each is named by its
 * path in the answer, as {@code docker inspect --format} names it.
 */
public enum RedactedField {
    CONFIG_ENV("Config.Env", "the environment variables: passwords, tokens, connection strings"),
    CONFIG_CMD("Config.Cmd", "the command's arguments, which may hold credentials (--password=...)"),
    CONFIG_ENTRYPOINT("Config.Entrypoint", "the entrypoint and its arguments"),
    ARGS("Args", "the arguments the container's process was started with (the entrypoint's and the command's)"),
    CONFIG_HEALTHCHECK("Config.Healthcheck", "the health check command, which may hold credentials (curl -u user:pass)"),
    CONFIG_LABELS("Config.Labels", "the labels, which may hold credentials (basic-auth hashes, API keys)"),
    HOST_CONFIG_LOG_CONFIG("HostConfig.LogConfig", "the log driver's options (splunk-token, awslogs credentials)");

    private final String field;
    private final String holds;

    RedactedField(String field, String holds) {
        this.field = field;
        this.holds = holds;
    }

    /** The dotted path, as written in the CLI and the store. */
    public String field() {
        return field;
    }

    /** What the field holds, for help texts. */
    public String holds() {
        return holds;
    }

    /** The path of object keys in the answer. */
    public List<String> path() {
        return List.of(field.split("\\."));
    }

    /** The field named {@code name} (exactly as {@link #field()} writes it). */
    public static RedactedField of(String name) {
        for (RedactedField f : values()) {
            if (f.field.equals(name)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown field " + name + "; fields: " + String.join(", ", names()));
    }

    /** Every field's name, in declaration order. */
    public static List<String> names() {
        return java.util.Arrays.stream(values()).map(RedactedField::field).toList();
    }

    /** The stored text form: field names separated by spaces, in declaration order; "" for none. */
    public static String text(Set<RedactedField> fields) {
        return fields.stream().sorted().map(RedactedField::field).collect(Collectors.joining(" "));
    }

    /** Reads {@link #text}; an unknown name throws {@link IllegalArgumentException}. */
    public static Set<RedactedField> parse(String text) {
        Set<RedactedField> out = EnumSet.noneOf(RedactedField.class);
        for (String name : new TreeSet<>(List.of(text.trim().split("\\s+")))) {
            if (!name.isEmpty()) {
                out.add(of(name));
            }
        }
        return Set.copyOf(out);
    }
}
