package org.sockwarden.proxy.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GuardrailsTest {

    @Test
    void textFormRoundTripsCanonically() {
        Guardrails g = Guardrails.parse("  max-pids=200 label=team=ci  host-network privileged bind-path=/srv/ci cap-add=net_admin "
                + "image=busybox bind-path=\"/srv/my data\" label=\"note=a \\\"b\\\"\" non-root read-only-rootfs max-memory=536870912 "
                + "max-cpus=1.50 cap-add=CAP_SYS_TIME cap-add image=ghcr.io/acme/*");
        String text = g.toString();
        assertThat(text).isEqualTo("privileged host-network cap-add bind-path=/srv/ci \"bind-path=/srv/my data\"".replace("\"bind-path=", "bind-path=\"")
                + " cap-add=NET_ADMIN cap-add=SYS_TIME image=docker.io/library/busybox image=ghcr.io/acme/*"
                + " label=\"note=a \\\"b\\\"\" label=team=ci non-root read-only-rootfs max-memory=512m max-cpus=1.5 max-pids=200");
        assertThat(Guardrails.parse(text)).isEqualTo(g);
        assertThat(g.bindPaths()).containsExactly("/srv/ci", "/srv/my data");
        assertThat(g.labels()).isEqualTo(Map.of("team", "ci", "note", "a \"b\""));
        assertThat(g.maxNanoCpus()).isEqualTo(1_500_000_000L);
        assertThat(g.relaxations()).isEqualTo(EnumSet.of(Relaxation.PRIVILEGED, Relaxation.HOST_NETWORK, Relaxation.CAP_ADD));
        assertThat(Guardrails.parse("")).isEqualTo(Guardrails.DEFAULT);
        assertThat(Guardrails.DEFAULT.toString()).isEmpty();
    }

    @Test
    void itemsAreAddedAndRemovedInTheirCanonicalForm() {
        Guardrails g = Guardrails.parse("privileged bind-path=/srv/ci max-memory=512m");
        Guardrails more = g.plus(Guardrails.parse("bind-path=/srv/ci bind-path=\"/srv/my data\" max-memory=1g cap-add=net_admin"));
        assertThat(more.toString()).isEqualTo("privileged bind-path=/srv/ci bind-path=\"/srv/my data\" cap-add=NET_ADMIN max-memory=1g");
        assertThat(more.bindPaths()).containsExactly("/srv/ci", "/srv/my data");
        assertThat(more.minus(Guardrails.parse("cap-add=CAP_NET_ADMIN privileged bind-path=\"/srv/my data\"")).toString())
                .isEqualTo("bind-path=/srv/ci max-memory=1g");
        assertThat(more.minus(Guardrails.parse("host-network"))).isEqualTo(more);
        assertThat(Guardrails.DEFAULT.plus(Guardrails.DEFAULT)).isEqualTo(Guardrails.DEFAULT);
    }

    @Test
    void everyRelaxationHasItsOwnNameAndRoundTrips() {
        Set<String> names = new java.util.HashSet<>();
        for (Relaxation r : Relaxation.values()) {
            assertThat(names.add(r.option())).as(r.option()).isTrue();
            assertThat(Relaxation.of(r.option())).isEqualTo(r);
            assertThat(Guardrails.parse(r.option()).relaxations()).containsExactly(r);
            assertThat(Guardrails.parse(r.option()).toString()).isEqualTo(r.option());
            assertThat(r.allows()).isNotBlank();
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "privilegd | unknown guardrail privilegd (did you mean privileged?)",
        "host-netwrok | unknown guardrail host-netwrok (did you mean host-network?)",
        "bindpath=/x | unknown guardrail bindpath (did you mean bind-path?)",
        "privileged=true | privileged takes no value (privileged=true)",
        "bind-path | bind-path needs a value: bind-path=/srv/data",
        "bind-path=srv | bind-path=srv: not an absolute path",
        "bind-path=/srv/../etc | bind-path=/srv/../etc: a .. segment",
        "bind-path=/srv/ | bind-path=/srv/: not a clean path (write /srv)",
        "cap-add=SYS_ADMN | cap-add=SYS_ADMN: not a capability (did you mean cap-add=SYS_ADMIN?)",
        "cap-add=ALL | cap-add=ALL: not a capability (all of them is the cap-add relaxation)",
        "label=team | label=team: write label=KEY=VALUE",
        "max-memory=lots | max-memory=lots: a size such as 512m, 2g or 1048576",
        "max-cpus=-1 | max-cpus=-1: a number of CPUs such as 2 or 0.5",
        "max-pids=0 | max-pids=0: a whole number above 0",
        "image=Busybox | not an image pattern: Busybox (a reference such as ghcr.io/acme/app, with * for any run of characters)",
        "bind-path=\"/x | bind-path: a quoted value without its closing quote",
    })
    void mistakesAreNamedWithTheNearestName(String text, String message) {
        assertThatThrownBy(() -> Guardrails.parse(text)).isInstanceOf(InvalidGuardrailsException.class).hasMessage(message);
    }

    @Test
    void suggestionIsOfferedSeparately() {
        try {
            Guardrails.parse("non_root");
        } catch (InvalidGuardrailsException e) {
            assertThat(e.suggestion()).contains("non-root");
            return;
        }
        throw new AssertionError("parsed");
    }

    @Test
    void sizesAreThePowersOf1024TheCliUses() {
        assertThat(Guardrails.bytes("64k")).isEqualTo(65536);
        assertThat(Guardrails.bytes("1G")).isEqualTo(1L << 30);
        assertThat(Guardrails.bytes("100b")).isEqualTo(100);
        assertThat(Guardrails.sizeText(1536)).isEqualTo("1536");
        assertThat(Guardrails.sizeText(3L << 30)).isEqualTo("3g");
    }

    @Test
    void recordValidatesWhatTheTextFormValidates() {
        assertThatThrownBy(() -> new Guardrails(Set.of(), List.of("relative"), Set.of(), List.of(), Map.of(), false, false, 0, 0, 0))
                .isInstanceOf(InvalidGuardrailsException.class);
        assertThatThrownBy(() -> new Guardrails(Set.of(), List.of(), Set.of("CAP_SYS_ADMIN"), List.of(), Map.of(), false, false, 0, 0, 0))
                .isInstanceOf(InvalidGuardrailsException.class).hasMessageContaining("did you mean SYS_ADMIN");
        assertThat(Guardrails.DEFAULT.with(Relaxation.DEVICES).toString()).isEqualTo("devices");
    }

    @Test
    void engineIsRecognisedFromHeadersAndVersion(@TempDir Path dir) throws IOException {
        assertThat(EngineInfo.fromHeaders("Docker/20.10.24+dfsg1 (linux)", "1.41", null))
                .isEqualTo(new EngineInfo("20.10.24+dfsg1", "1.41", false));
        assertThat(EngineInfo.fromHeaders("Libpod/4.3.1 (linux)", "1.41", "4.3.1")).isEqualTo(new EngineInfo("4.3.1", "1.41", true));
        assertThat(EngineInfo.fromHeaders("Docker/5.0.0 (linux)", "1.41", "5.0.0").podman()).as("Libpod-Api-Version").isTrue();
        assertThat(EngineInfo.fromHeaders(null, "1.41", null)).isEqualTo(EngineInfo.UNKNOWN);
        assertThat(EngineInfo.fromHeaders("nginx/1.2", null, null)).isEqualTo(EngineInfo.UNKNOWN);
        assertThat(EngineInfo.UNKNOWN.podman()).as("judged like Podman").isTrue();
        assertThat(EngineInfo.UNKNOWN.toString()).isEqualTo("unknown engine");
        Path version = dir.resolve("v.json");
        Files.writeString(version, "{\"Platform\":{\"Name\":\"linux/amd64/debian-12\"},\"Components\":[{\"Name\":\"Podman Engine\","
                + "\"Version\":\"4.3.1\"}],\"Version\":\"4.3.1\",\"ApiVersion\":\"1.41\",\"MinAPIVersion\":\"1.24\"}");
        EngineInfo podman = EngineInfo.fromVersion(Files.readAllBytes(version));
        assertThat(podman).isEqualTo(new EngineInfo("4.3.1", "1.41", true));
        assertThat(podman.toString()).isEqualTo("Podman 4.3.1 (API 1.41)");
        assertThat(EngineInfo.fromVersion("{\"Version\":\"20.10.24\",\"ApiVersion\":\"1.41\",\"Components\":[{\"Name\":\"Engine\"}]}"
                .getBytes(StandardCharsets.UTF_8)).toString()).isEqualTo("Docker 20.10.24 (API 1.41)");
        assertThat(EngineInfo.fromVersion("not json".getBytes(StandardCharsets.UTF_8))).isEqualTo(EngineInfo.UNKNOWN);
    }
}
