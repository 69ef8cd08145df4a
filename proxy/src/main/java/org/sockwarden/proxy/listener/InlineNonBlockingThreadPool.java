package org.sockwarden.proxy.listener;

import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Runs a task that declares itself non-blocking on the thread that hands it over, instead of
 * waking a pool thread for it. Jetty resumes a connection whose response completed on another
 * thread (here: the engine connection's reader) by executing it; for a proxy that is once per
 * request, and the wake-up cost more than the work, which is a read that usually finds nothing
 * and re-arms read interest. Nesting is bounded so a chain of such tasks cannot grow the stack.
 */
final class InlineNonBlockingThreadPool extends QueuedThreadPool {
    private static final int MAX_DEPTH = 2;
    private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    InlineNonBlockingThreadPool(int maxThreads, int minThreads) {
        super(maxThreads, minThreads);
    }

    @Override
    public void execute(Runnable job) {
        if ((job instanceof org.eclipse.jetty.io.Connection || Invocable.getInvocationType(job) == Invocable.InvocationType.NON_BLOCKING) && isRunning()) {
            int[] depth = DEPTH.get();
            if (depth[0] < MAX_DEPTH) {
                depth[0]++;
                try {
                    job.run();
                } finally {
                    depth[0]--;
                }
                return;
            }
        }
        super.execute(job);
    }
}
