package org.diskcryptnet.origin.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class OpenFileBudgetTest {

    private static final String LIMITS = """
            Limit                     Soft Limit           Hard Limit           Units
            Max cpu time              unlimited            unlimited            seconds
            Max open files            20000                20000                files
            Max locked memory         8388608              8388608              bytes
            """;

    @Test
    void theSoftLimitComesFromTheMaxOpenFilesLine() {
        assertEquals(20_000, OpenFileBudget.softLimit(LIMITS));
        assertEquals(-1, OpenFileBudget.softLimit(LIMITS.replace("20000                20000", "unlimited  unlimited")));
        assertEquals(-1, OpenFileBudget.softLimit("Limit  Soft Limit  Hard Limit  Units\n"));
        assertTrue(OpenFileBudget.currentLimit() > 0, "this process has a limit: " + OpenFileBudget.currentLimit());
    }

    /** The 10,000-connection run of issue 8: the origin on epoll ran out of descriptors at a limit of 20,000. */
    @Test
    void kernelSocketsNeedTwoDescriptorsPerConnectionTheStackOne() {
        String warning = OpenFileBudget.warning(10_000, true, 20_000);
        assertTrue(warning != null && warning.contains("20,000") && warning.contains("20,256")
                && warning.contains("503"), warning);
        assertNull(OpenFileBudget.warning(10_000, false, 20_000), "the userspace stack's connections hold none");
        assertNull(OpenFileBudget.warning(9_872, true, 20_000), "exactly covered");
        assertTrue(OpenFileBudget.warning(9_873, true, 20_000) != null);
        assertNull(OpenFileBudget.warning(10_000_000, true, -1), "no limit");
    }
}
