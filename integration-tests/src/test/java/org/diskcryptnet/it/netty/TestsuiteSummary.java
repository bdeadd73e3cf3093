package org.diskcryptnet.it.netty;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.TestSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * Prints, at the end of a test run, how Netty's testsuite fared on the netmap transport: every test method of the
 * classes in this package, as passing (all its runs passed), excluded (disabled here with a reason, or skipped by
 * the suite's own assumption) or failing, with the reasons of the exclusions. Registered through
 * {@code META-INF/services}; silent when no class of this package ran. The summary goes to standard output and
 * to {@code target/netty-testsuite-summary.txt}, which the build prints after the integration tests.
 */
public final class TestsuiteSummary implements TestExecutionListener {

    private static final String PACKAGE = TestsuiteSummary.class.getPackageName() + ".";

    private enum Outcome { PASSING, EXCLUDED, FAILING }

    private final Map<String, Outcome> methods = new TreeMap<>();
    private final Map<String, String> reasons = new TreeMap<>();

    @Override
    public void testPlanExecutionStarted(TestPlan plan) {
        try {
            Files.deleteIfExists(Path.of("target", "netty-testsuite-summary.txt")); // no stale summary from a run before
        } catch (IOException e) {
            // the write at the end reports a broken target directory
        }
    }

    @Override
    public void executionSkipped(TestIdentifier test, String reason) {
        String method = method(test);
        if (method != null) {
            record(method, Outcome.EXCLUDED);
            reasons.put(method, reason);
        }
    }

    @Override
    public void executionFinished(TestIdentifier test, TestExecutionResult result) {
        String method = method(test);
        if (method == null || !test.isTest() && !isMethodContainer(test)) {
            return;
        }
        switch (result.getStatus()) {
            case SUCCESSFUL -> record(method, Outcome.PASSING);
            case ABORTED -> {
                record(method, Outcome.EXCLUDED);
                reasons.put(method, "assumption: " + result.getThrowable().map(Throwable::getMessage).orElse("?"));
            }
            case FAILED -> record(method, Outcome.FAILING);
        }
    }

    private static boolean isMethodContainer(TestIdentifier test) {
        return test.getSource().filter(MethodSource.class::isInstance).isPresent();
    }

    /** Failing wins over passing (one failed run fails the method), excluded stays excluded. */
    private void record(String method, Outcome outcome) {
        methods.merge(method, outcome, (old, now) -> old == Outcome.FAILING || now == Outcome.FAILING
                ? Outcome.FAILING : old == Outcome.EXCLUDED || now == Outcome.EXCLUDED ? Outcome.EXCLUDED : Outcome.PASSING);
    }

    private static String method(TestIdentifier test) {
        Optional<TestSource> source = test.getSource();
        if (source.isEmpty() || !(source.get() instanceof MethodSource m) || !m.getClassName().startsWith(PACKAGE)) {
            return null;
        }
        return m.getClassName().substring(PACKAGE.length()) + "." + m.getMethodName();
    }

    @Override
    public void testPlanExecutionFinished(TestPlan plan) {
        if (methods.isEmpty()) {
            return;
        }
        long passing = methods.values().stream().filter(o -> o == Outcome.PASSING).count();
        long excluded = methods.values().stream().filter(o -> o == Outcome.EXCLUDED).count();
        long failing = methods.values().stream().filter(o -> o == Outcome.FAILING).count();
        StringWriter text = new StringWriter();
        PrintWriter out = new PrintWriter(text);
        out.println();
        out.println("==== Netty testsuite on the netmap transport: test methods ====");
        reasons.forEach((m, r) -> out.println("  excluded " + m + ": " + r));
        methods.forEach((m, o) -> {
            if (o == Outcome.FAILING) {
                out.println("  failing  " + m);
            }
        });
        out.println("  passing " + passing + ", excluded " + excluded + ", failing " + failing
                + " (of " + methods.size() + " methods)");
        out.flush();
        PrintStream console = System.out;
        console.print(text);
        console.flush();
        try {
            Files.writeString(Path.of("target", "netty-testsuite-summary.txt"), text.toString(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            console.println("cannot write target/netty-testsuite-summary.txt: " + e);
        }
    }
}
