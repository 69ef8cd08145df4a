package org.sockwarden.proxy.limit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ClientLimitsTest {

    @Test
    void theTextFormReadsBackToTheSameLimits() {
        ClientLimits all = ClientLimits.parse("  rate=20/s   max-streams=4 max-requests=10 ");
        assertThat(all).isEqualTo(new ClientLimits(10, 4, new Rate(20, Rate.Per.SECOND)));
        assertThat(all.toString()).isEqualTo("max-requests=10 max-streams=4 rate=20/s");
        assertThat(ClientLimits.parse(all.toString())).isEqualTo(all);
        assertThat(ClientLimits.parse("rate=600/m").rate()).isEqualTo(new Rate(600, Rate.Per.MINUTE));
        assertThat(ClientLimits.parse("")).isEqualTo(ClientLimits.NONE);
        assertThat(ClientLimits.NONE.none()).isTrue();
        assertThat(ClientLimits.NONE.toString()).isEmpty();
        assertThat(ClientLimits.parse("max-streams=1").none()).isFalse();
    }

    @Test
    void noneRemovesOneLimitAndLeavesTheOthers() {
        ClientLimits all = ClientLimits.parse("max-requests=10 max-streams=4 rate=20/s");
        assertThat(all.with(Limit.MAX_STREAMS, "none")).isEqualTo(ClientLimits.parse("max-requests=10 rate=20/s"));
        assertThat(all.with(Limit.RATE, "none").with(Limit.MAX_REQUESTS, "none").with(Limit.MAX_STREAMS, "none")).isEqualTo(ClientLimits.NONE);
        assertThat(all.with(Limit.RATE, "3/m").rate()).isEqualTo(new Rate(3, Rate.Per.MINUTE));
    }

    @Test
    void anythingElseIsRefusedSayingWhatIsWrong() {
        assertThatThrownBy(() -> ClientLimits.parse("max-request=4")).hasMessageContaining("\"max-request=4\" is not a limit");
        assertThatThrownBy(() -> ClientLimits.parse("max-requests=4 max-requests=5")).hasMessage("max-requests is given twice");
        assertThatThrownBy(() -> ClientLimits.parse("max-requests=0")).hasMessageContaining("max-requests is a number from 1 to 1000000");
        assertThatThrownBy(() -> ClientLimits.parse("max-streams=-1")).hasMessageContaining("max-streams is a number");
        assertThatThrownBy(() -> ClientLimits.parse("max-streams=1000001")).hasMessageContaining("not \"1000001\"");
        assertThatThrownBy(() -> ClientLimits.parse("max-streams=99999999999")).hasMessageContaining("max-streams is a number");
        assertThatThrownBy(() -> ClientLimits.parse("rate=20")).hasMessageContaining("rate: a rate is written N/s or N/m");
        assertThatThrownBy(() -> ClientLimits.parse("rate=20/h")).hasMessageContaining("not \"20/h\"");
        assertThatThrownBy(() -> ClientLimits.parse("rate=0/s")).hasMessageContaining("a rate is 1 to 1000000");
        assertThatThrownBy(() -> ClientLimits.parse("rate=/s")).hasMessageContaining("a rate is written");
        assertThatThrownBy(() -> ClientLimits.parse("rate=2000000/s")).hasMessageContaining("a rate is 1 to 1000000");
        assertThatThrownBy(() -> ClientLimits.parse("max-requests")).hasMessageContaining("is not a limit");
    }
}
