package org.sockwarden.admin.migrate;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * A compose file as SnakeYAML composes it (nodes with their positions in the text), and the text
 * itself, so that a change replaces exactly the characters of the nodes it concerns and every other
 * byte stays as it was.
 */
final class ComposeFile {

    /** A service: its name, the node of its name (where its block starts) and its body. */
    record Service(String name, ScalarNode key, MappingNode body) {}

    /** Replace text[start, end) by {@code text}. */
    record Edit(int start, int end, String text) {}

    final Path path;
    final String text;
    private final MappingNode root;

    private ComposeFile(Path path, String text, MappingNode root) {
        this.path = path;
        this.text = text;
        this.root = root;
    }

    static ComposeFile read(Path path) throws IOException {
        String text = Files.readString(path);
        Node node;
        try {
            node = new Yaml(new SafeConstructor(new LoaderOptions())).compose(new StringReader(text));
        } catch (YAMLException e) {
            throw new IllegalArgumentException(path + " is not valid YAML: " + e.getMessage());
        }
        if (!(node instanceof MappingNode m) || !(get(m, "services") instanceof MappingNode)) {
            throw new IllegalArgumentException(path + " has no services: mapping (is it a compose file?)");
        }
        return new ComposeFile(path, text, m);
    }

    List<Service> services() {
        List<Service> out = new ArrayList<>();
        for (NodeTuple t : ((MappingNode) get(root, "services")).getValue()) {
            if (t.getKeyNode() instanceof ScalarNode k && t.getValueNode() instanceof MappingNode body) {
                out.add(new Service(k.getValue(), k, body));
            }
        }
        return out;
    }

    /** The top-level key's node (networks, volumes, ...), or null. */
    Node top(String key) {
        return get(root, key);
    }

    static Node get(MappingNode m, String key) {
        for (NodeTuple t : m.getValue()) {
            if (t.getKeyNode() instanceof ScalarNode k && k.getValue().equals(key)) {
                return t.getValueNode();
            }
        }
        return null;
    }

    static String scalar(MappingNode m, String key) {
        return get(m, key) instanceof ScalarNode s ? s.getValue() : null;
    }

    /** A scalar or a sequence of scalars as strings; a mapping gives its keys. */
    static List<String> strings(Node n) {
        List<String> out = new ArrayList<>();
        if (n instanceof ScalarNode s) {
            out.add(s.getValue());
        } else if (n instanceof SequenceNode seq) {
            for (Node item : seq.getValue()) {
                if (item instanceof ScalarNode s) {
                    out.add(s.getValue());
                }
            }
        } else if (n instanceof MappingNode m) {
            for (NodeTuple t : m.getValue()) {
                if (t.getKeyNode() instanceof ScalarNode k) {
                    out.add(k.getValue());
                }
            }
        }
        return out;
    }

    /** environment: as a mapping or as KEY=VALUE items; a key without a value comes from the host (null here). */
    static Map<String, String> environment(MappingNode service) {
        Map<String, String> env = new LinkedHashMap<>();
        Node n = get(service, "environment");
        if (n instanceof MappingNode m) {
            for (NodeTuple t : m.getValue()) {
                if (t.getKeyNode() instanceof ScalarNode k) {
                    env.put(k.getValue(), t.getValueNode() instanceof ScalarNode v && !v.getTag().getValue().endsWith(":null")
                            ? v.getValue() : null);
                }
            }
        } else if (n instanceof SequenceNode seq) {
            for (Node item : seq.getValue()) {
                if (item instanceof ScalarNode s) {
                    int eq = s.getValue().indexOf('=');
                    env.put(eq < 0 ? s.getValue() : s.getValue().substring(0, eq), eq < 0 ? null : s.getValue().substring(eq + 1));
                }
            }
        }
        return env;
    }

    /** Every scalar under {@code n}, keys included. */
    static List<ScalarNode> scalars(Node n) {
        List<ScalarNode> out = new ArrayList<>();
        if (n instanceof ScalarNode s) {
            out.add(s);
        } else if (n instanceof SequenceNode seq) {
            seq.getValue().forEach(item -> out.addAll(scalars(item)));
        } else if (n instanceof MappingNode m) {
            for (NodeTuple t : m.getValue()) {
                out.addAll(scalars(t.getKeyNode()));
                out.addAll(scalars(t.getValueNode()));
            }
        }
        return out;
    }

    /** The node's characters as they are in the file (quotes included). */
    String raw(Node n) {
        return text.substring(n.getStartMark().getIndex(), n.getEndMark().getIndex());
    }

    int lineStart(int index) {
        return text.lastIndexOf('\n', index - 1) + 1;
    }

    /** Index just past the newline of the line holding {@code index} (or the end of the text). */
    int nextLine(int index) {
        int nl = text.indexOf('\n', index);
        return nl < 0 ? text.length() : nl + 1;
    }

    int column(Node n) {
        return n.getStartMark().getColumn();
    }

    /**
     * The lines of a block-style entry whose key starts at {@code key}: its own line and every
     * following line indented deeper (blank and comment lines between them included), up to but not
     * including trailing blank and comment lines, which belong to what follows.
     */
    Edit entryLines(Node key) {
        int start = lineStart(key.getStartMark().getIndex());
        int indent = column(key);
        int end = nextLine(key.getStartMark().getIndex());
        int lastContent = end;
        int i = end;
        while (i < text.length()) {
            int next = nextLine(i);
            String line = text.substring(i, next);
            String stripped = line.strip();
            if (!stripped.isEmpty() && !stripped.startsWith("#")) {
                int lineIndent = line.length() - line.stripLeading().length();
                if (lineIndent <= indent) {
                    break;
                }
                lastContent = next;
            }
            i = next;
        }
        return new Edit(start, lastContent, "");
    }

    /**
     * A whole service block to take out: {@link #entryLines} with the comment lines right above its
     * key (at its indentation: they describe it) and the blank lines after it.
     */
    Edit blockWithComments(Node key) {
        Edit e = entryLines(key);
        int start = e.start();
        while (start > 0) {
            int prev = lineStart(start - 1);
            String line = text.substring(prev, start);
            if (!line.strip().startsWith("#") || line.length() - line.stripLeading().length() != column(key)) {
                break;
            }
            start = prev;
        }
        int end = e.end();
        while (end < text.length() && text.substring(end, nextLine(end)).isBlank()) {
            end = nextLine(end);
        }
        return new Edit(start, end, "");
    }

    /** The text with the edits applied; edits must not overlap. */
    String apply(List<Edit> edits) {
        List<Edit> sorted = new ArrayList<>(edits);
        sorted.sort(Comparator.comparingInt(Edit::start).thenComparingInt(Edit::end));
        StringBuilder b = new StringBuilder();
        int at = 0;
        for (Edit e : sorted) {
            if (e.start() < at) {
                throw new IllegalStateException("overlapping edits at " + e.start());
            }
            b.append(text, at, e.start()).append(e.text());
            at = e.end();
        }
        return b.append(text.substring(at)).toString();
    }
}
