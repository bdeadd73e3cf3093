package org.diskcryptnet.bench.system.report;

import java.util.List;

/**
 * What the report says about the invocation: when, which commit, which machine and how loaded, the command and
 * settings, and the caveats that travel with the figures.
 */
public record RunInfo(String date, String commit, String machine, String command, String mode, String loadBefore,
                      String loadAfter, List<String> settings, List<String> notes) {}
