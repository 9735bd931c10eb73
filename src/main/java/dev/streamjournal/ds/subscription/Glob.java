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

    /**
     * Whether {@code path} matches; linear in pattern × path segments (each pair is decided once), so that
     * no pattern of {@code **}s takes exponential time.
     */
    static boolean matches(String pattern, String path) {
        List<String> glob = segments(pattern);
        List<String> segments = segments(path);
        // matched[p][s]: whether glob[p..] matches segments[s..]; filled from the ends
        boolean[][] matched = new boolean[glob.size() + 1][segments.size() + 1];
        matched[glob.size()][segments.size()] = true;
        for (int p = glob.size() - 1; p >= 0; p--) {
            String segment = glob.get(p);
            boolean any = segment.equals("**");
            String literal = segment.replaceAll("%2[Aa]", "*");
            for (int s = segments.size(); s >= 0; s--) {
                matched[p][s] = any
                        ? matched[p + 1][s] || s < segments.size() && matched[p][s + 1]
                        : s < segments.size() && (segment.equals("*") || literal.equals(segments.get(s)))
                                && matched[p + 1][s + 1];
            }
        }
        return matched[0][0];
    }

    private static List<String> segments(String text) {
        return Arrays.stream(text.split("/")).filter(segment -> !segment.isEmpty()).toList();
    }
}
