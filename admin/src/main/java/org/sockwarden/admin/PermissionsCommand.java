package org.sockwarden.admin;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.sockwarden.proxy.api.Operation;
import org.sockwarden.proxy.policy.Permission;
import org.sockwarden.proxy.policy.PermissionSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "permissions", mixinStandardHelpOptions = true,
        description = {"List every permission name and the operations it grants.",
                "An operation written op+POST is granted only together with that name."})
final class PermissionsCommand implements Callable<Integer> {

    @Option(names = "--json", description = "Machine-readable output.")
    boolean json;

    /** For one permission: each operation it takes part in granting, with the names it needs beside it. */
    record Grant(Operation operation, List<Permission> with) {
        String text() {
            return operation.id() + with.stream().map(p -> "+" + p.name()).collect(Collectors.joining());
        }
    }

    static List<Grant> grantsOf(Permission p) {
        List<Grant> grants = new ArrayList<>();
        for (Operation op : Operation.values()) {
            for (List<Permission> alternative : PermissionSet.alternatives(op)) {
                if (alternative.contains(p)) {
                    grants.add(new Grant(op, alternative.stream().filter(q -> !q.equals(p)).toList()));
                    break;
                }
            }
        }
        return grants;
    }

    static String kind(Permission p) {
        if (p instanceof Permission.SectionFlag) {
            return "section";
        }
        return p instanceof Permission.Modifier ? "modifier" : "operation";
    }

    @Override
    public Integer call() {
        StringBuilder out = new StringBuilder();
        if (json) {
            // One object per line, so that `grep` still finds a name; each object is written by jackson.
            List<String> entries = new ArrayList<>();
            for (Permission p : Permission.all()) {
                entries.add(Json.write(g -> {
                    g.writeStartObject();
                    g.writeStringField("name", p.name());
                    g.writeStringField("kind", kind(p));
                    g.writeArrayFieldStart("grants");
                    for (Grant grant : grantsOf(p)) {
                        g.writeStartObject();
                        g.writeStringField("operation", grant.operation().id());
                        g.writeArrayFieldStart("with");
                        for (Permission w : grant.with()) {
                            g.writeString(w.name());
                        }
                        g.writeEndArray();
                        g.writeEndObject();
                    }
                    g.writeEndArray();
                    g.writeEndObject();
                }));
            }
            for (Map.Entry<String, Permission> alias : Permission.aliases().entrySet()) {
                entries.add(Json.write(g -> {
                    g.writeStartObject();
                    g.writeStringField("name", alias.getKey());
                    g.writeStringField("kind", "alias");
                    g.writeStringField("of", alias.getValue().name());
                    g.writeEndObject();
                }));
            }
            out.append("[\n  ").append(String.join(",\n  ", entries)).append("\n]\n");
        } else {
            for (Permission p : Permission.all()) {
                out.append(p.name()).append(' ').append(kind(p)).append(':');
                for (Grant g : grantsOf(p)) {
                    out.append(' ').append(g.text());
                }
                out.append('\n');
            }
            for (Map.Entry<String, Permission> alias : Permission.aliases().entrySet()) {
                out.append(alias.getKey()).append(" alias: of ").append(alias.getValue().name()).append('\n');
            }
        }
        System.out.print(out);
        return 0;
    }
}
