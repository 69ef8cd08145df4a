package org.sockwarden.admin;

import java.util.Map;
import java.util.concurrent.Callable;
import org.sockwarden.proxy.guard.Guardrails;
import org.sockwarden.proxy.guard.Relaxation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "guardrails", mixinStandardHelpOptions = true,
        description = {"List every guardrail item: the relaxations (each refused by default as soon as a client may create",
                "containers) and the lists and requirements. `client add/set NAME --guardrail ITEM` gives one to a client."})
final class GuardrailsCommand implements Callable<Integer> {

    @Option(names = "--json", description = "Machine-readable output.")
    boolean json;

    @Override
    public Integer call() {
        if (json) {
            System.out.println(Json.pretty(g -> {
                g.writeStartArray();
                for (Relaxation r : Relaxation.values()) {
                    g.writeStartObject();
                    g.writeStringField("item", r.option());
                    g.writeStringField("kind", "relaxation");
                    g.writeStringField("allows", r.allows());
                    g.writeEndObject();
                }
                for (Map.Entry<String, String> e : Guardrails.otherItems().entrySet()) {
                    g.writeStartObject();
                    g.writeStringField("item", e.getKey());
                    g.writeStringField("kind", "rule");
                    g.writeStringField("means", e.getValue());
                    g.writeEndObject();
                }
                g.writeEndArray();
            }));
            return 0;
        }
        StringBuilder b = new StringBuilder("relaxations (refused by default; each item lets a client past one guardrail):\n");
        for (Relaxation r : Relaxation.values()) {
            b.append(String.format("  %-22s %s%n", r.option(), r.allows()));
        }
        b.append("lists and requirements:\n");
        Guardrails.otherItems().forEach((item, means) -> b.append(String.format("  %-22s %s%n", item, means)));
        System.out.print(b);
        return 0;
    }
}
