package dev.streamjournal.ds.subscription;

import java.util.Arrays;
import java.util.List;

/**
 * A subscription's pattern over stream paths: {@code *} matches exactly one path segment, {@code **} zero
 * or more, any other segment itself ({@code %2A} standing for a literal {@code *}).
 */
final class Glob {

    private Glob() {
    }

    static boolean matches(String pattern, String path) {
        return match(segments(pattern), 0, segments(path), 0);
    }

    private static List<String> segments(String text) {
        return Arrays.stream(text.split("/")).filter(segment -> !segment.isEmpty()).toList();
    }

    private static boolean match(List<String> pattern, int p, List<String> path, int s) {
        while (p < pattern.size() && s < path.size()) {
            String segment = pattern.get(p);
            if (segment.equals("**")) {
                for (int rest = s; rest <= path.size(); rest++) {
                    if (match(pattern, p + 1, path, rest)) {
                        return true;
                    }
                }
                return false;
            }
            if (!segment.equals("*") && !segment.replaceAll("%2[Aa]", "*").equals(path.get(s))) {
                return false;
            }
            p++;
            s++;
        }
        while (p < pattern.size() && pattern.get(p).equals("**")) {
            p++;
        }
        return p == pattern.size() && s == path.size();
    }
}
