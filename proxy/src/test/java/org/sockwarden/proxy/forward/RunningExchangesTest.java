package org.sockwarden.proxy.forward;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.sockwarden.proxy.api.Operation;
import org.sockwarden.proxy.identity.Client;
import org.sockwarden.proxy.identity.ClientConfig;
import org.sockwarden.proxy.identity.Directory;
import org.sockwarden.proxy.policy.PermissionSet;

/**
 * The registry's protocol between a decision and a policy swap, in both orders: a swap published
 * after the decision but before the registration is caught by the registration, one after the
 * registration by the swap's walk. Either way the exchange does not go on under the old grant.
 */
class RunningExchangesTest {

    private final ScheduledExecutorScheduler scheduler = new ScheduledExecutorScheduler();
    private final List<String> cut = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        scheduler.start();
    }

    @AfterEach
    void stop() throws Exception {
        scheduler.stop();
    }

    private static Directory granting(long version, String... permissions) {
        return new Directory(version, List.of(new ClientConfig(new Client("c", PermissionSet.parse(List.of(permissions)),
                Client.GrantAdvice.CLI), List.of(), List.of(), Set.of())));
    }

    /** The admission of an events stream by client c: allowed while c may call system.events. */
    private static final Exchange.Admission EVENTS = new Exchange.Admission() {
        @Override
        public String refusal(Directory directory) {
            ClientConfig c = directory.byName("c");
            return c != null && c.client().permissions().allows(Operation.SYSTEM_EVENTS) ? null : "c lost system.events";
        }

        @Override
        public long validUntil() {
            return Long.MAX_VALUE;
        }
    };

    @Test
    void aSwapBetweenTheDecisionAndTheRegistrationIsCaughtByTheRegistration() {
        RunningExchanges registry = new RunningExchanges(granting(1, "EVENTS"), scheduler, cut::add);
        RunningExchanges.Epoch decidedIn = registry.epoch();
        Exchange x = new Exchange("c", Operation.SYSTEM_EVENTS, EVENTS, registry, decidedIn, e -> { });
        registry.apply(granting(2, "PING"));
        assertThat(x.register()).isEqualTo("c lost system.events");
        assertThat(cut).as("nothing to walk: it was not registered yet").isEmpty();
    }

    @Test
    void aSwapAfterTheRegistrationAbortsTheExchange() {
        RunningExchanges registry = new RunningExchanges(granting(1, "EVENTS"), scheduler, cut::add);
        Exchange x = new Exchange("c", Operation.SYSTEM_EVENTS, EVENTS, registry, registry.epoch(), e -> { });
        List<Throwable> aborted = new ArrayList<>();
        x.onAbort(aborted::add);
        assertThat(x.register()).isNull();
        registry.apply(granting(2, "PING"));
        assertThat(aborted).hasSize(1);
        assertThat(x.recheck(Exchange.Phase.ENGINE_CONNECT)).isEqualTo("c lost system.events");
        assertThat(cut).containsExactly("ended system.events of client c: c lost system.events");
        x.end();
        assertThat(registry.size()).isZero();
    }

    @Test
    void anAbortBeforeItsActionIsSetRunsTheActionWhenItIs() {
        RunningExchanges registry = new RunningExchanges(granting(1, "EVENTS"), scheduler, cut::add);
        Exchange x = new Exchange("c", Operation.SYSTEM_EVENTS, EVENTS, registry, registry.epoch(), e -> { });
        x.register();
        registry.apply(granting(2, "PING"));
        List<Throwable> aborted = new ArrayList<>();
        x.onAbort(aborted::add);
        assertThat(aborted).as("a hijacker taking over after the revocation still closes its connections").hasSize(1);
    }
}
