package org.sockwarden.admin;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.sockwarden.proxy.api.Operation;
import org.sockwarden.proxy.log.AccessLog;
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
            out.append("[\n");
            List<String> entries = new ArrayList<>();
            for (Permission p : Permission.all()) {
                entries.add("  {\"name\":" + AccessLog.quote(p.name()) + ",\"kind\":\"" + kind(p) + "\",\"grants\":["
                        + grantsOf(p).stream().map(g -> "{\"operation\":" + AccessLog.quote(g.operation().id())
                                + ",\"with\":[" + g.with().stream().map(w -> AccessLog.quote(w.name()))
                                .collect(Collectors.joining(",")) + "]}").collect(Collectors.joining(",")) + "]}");
            }
            for (Map.Entry<String, Permission> alias : Permission.aliases().entrySet()) {
                entries.add("  {\"name\":" + AccessLog.quote(alias.getKey()) + ",\"kind\":\"alias\",\"of\":"
                        + AccessLog.quote(alias.getValue().name()) + "}");
            }
            out.append(String.join(",\n", entries)).append("\n]\n");
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
