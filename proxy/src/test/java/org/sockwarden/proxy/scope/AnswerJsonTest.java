package org.sockwarden.proxy.scope;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.sockwarden.proxy.api.ObjectKind;
import org.sockwarden.proxy.api.RedactedField;

class AnswerJsonTest {

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void anOwnerCheckReadsTheIdTheParentAndTheOwnerLabel() throws IOException {
        String container = "{\"Id\":\"c1\",\"Labels\":{\"o\":\"no\"},\"Config\":{\"Env\":[\"A=1\"],\"Labels\":{\"x\":\"y\",\"o\":\"me\"}},"
                + "\"Mounts\":[{\"Labels\":{\"o\":\"no\"}}]}";
        assertThat(AnswerJson.inspected(b(container), ObjectKind.CONTAINER, "o")).isEqualTo(new AnswerJson.Inspected("c1", null, "me"));
        assertThat(AnswerJson.inspected(b("{\"ID\":\"e1\",\"ContainerID\":\"c1\"}"), ObjectKind.EXEC, "o"))
                .isEqualTo(new AnswerJson.Inspected("e1", "c1", null));
        assertThat(AnswerJson.inspected(b("{\"Name\":\"v\",\"Labels\":null}"), ObjectKind.VOLUME, "o").owner()).isNull();
        // The label twice (no engine writes that): no one's.
        assertThat(AnswerJson.inspected(b("{\"Name\":\"v\",\"Labels\":{\"o\":\"me\",\"o\":\"me\"}}"), ObjectKind.VOLUME, "o").owner()).isNull();
        for (String bad : new String[] {"[]", "{\"Id\":\"c1\"} {\"Config\":{\"Labels\":{\"o\":\"me\"}}}", "{\"Id\":", "not json"}) {
            assertThatThrownBy(() -> AnswerJson.inspected(b(bad), ObjectKind.CONTAINER, "o")).as(bad).isInstanceOf(IOException.class);
        }
    }

    @Test
    void redactionLeavesOutTheFieldsAndKeepsTheRest() throws IOException {
        String answer = "{\"Id\":\"c1\",\"Args\":[\"--password=x\"],\"Config\":{\"Hostname\":\"h\",\"Env\":[\"SECRET=1\"],"
                + "\"Labels\":{\"Env\":\"kept\"}},\"Env\":\"kept at the top\",\"Mounts\":[{\"Config\":{\"Env\":\"kept in arrays\"}}]}";
        String out = new String(AnswerJson.redact(b(answer), Set.of(RedactedField.CONFIG_ENV, RedactedField.ARGS)), StandardCharsets.UTF_8);
        assertThat(out).isEqualTo("{\"Id\":\"c1\",\"Config\":{\"Hostname\":\"h\",\"Labels\":{\"Env\":\"kept\"}},\"Env\":\"kept at the top\","
                + "\"Mounts\":[{\"Config\":{\"Env\":\"kept in arrays\"}}]}");
        assertThat(new String(AnswerJson.redact(b("{\"Config\":{\"Env\":null,\"Env\":[\"B=2\"]}}"), Set.of(RedactedField.CONFIG_ENV)),
                StandardCharsets.UTF_8)).isEqualTo("{\"Config\":{}}");
        for (String bad : new String[] {"{\"Config\":{\"Env\":[\"A\"]}", "{} {}", "[{\"Config\":{}}]", "{\"a\":1,}"}) {
            assertThatThrownBy(() -> AnswerJson.redact(b(bad), Set.of(RedactedField.CONFIG_ENV))).as(bad).isInstanceOf(IOException.class);
        }
    }

    @Test
    void aMissingAnswerIsTheEnginesOwnWithTheUnguessableNameTakenOut() {
        String token = Check.token();
        assertThat(token).hasSize(30).matches("[g-z]+");
        assertThat(Check.token()).isNotEqualTo(token);
        assertThat(new String(Check.strip(b("{\"message\":\"Cannot kill container: " + token + "ab: No such container: " + token + "ab\"}\n"),
                token), StandardCharsets.UTF_8)).isEqualTo("{\"message\":\"Cannot kill container: ab: No such container: ab\"}\n");
        assertThat(Check.encode("a b/c%ü", StandardCharsets.UTF_8)).isEqualTo("a%20b%2Fc%25%C3%BC");
        assertThat(Check.encode("\u00fc", StandardCharsets.ISO_8859_1)).isEqualTo("%FC");
    }
}
