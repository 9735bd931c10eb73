package dev.streamjournal.support;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A generator of random test values drawn from a seeded {@link Random}, so that a run is replayed
 * exactly by its seed. It is the small part of property-based testing that the hostile-input drill
 * needs: choices, weights, strings, numbers, lists, and their combinations by plain lambdas
 * ({@code random -> a.next(random) + b.next(random)}). It does not shrink a failing case: the failure
 * names the case and the seed instead.
 */
@FunctionalInterface
public interface Gen<T> {

    T next(Random random);

    default <R> Gen<R> map(Function<? super T, ? extends R> f) {
        return random -> f.apply(next(random));
    }

    /** Values that pass {@code keep}, drawn again until one does (at most 1,000 times). */
    default Gen<T> filter(Predicate<? super T> keep) {
        return random -> {
            for (int i = 0; i < 1000; i++) {
                T value = next(random);
                if (keep.test(value)) {
                    return value;
                }
            }
            throw new IllegalStateException("the filter refused 1,000 values in a row");
        };
    }

    /** Null with probability {@code p}, else a value of this generator. */
    default Gen<T> orNull(double p) {
        return random -> random.nextDouble() < p ? null : next(random);
    }

    /** Lists of {@code min} to {@code max} values. */
    default Gen<List<T>> list(int min, int max) {
        return random -> {
            int size = between(random, min, max);
            List<T> values = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                values.add(next(random));
            }
            return values;
        };
    }

    static <T> Gen<T> just(T value) {
        return random -> value;
    }

    /** One of the values, each as likely. */
    @SafeVarargs
    static <T> Gen<T> of(T... values) {
        return random -> values[random.nextInt(values.length)];
    }

    /** A value of one of the generators, each as likely. */
    @SafeVarargs
    static <T> Gen<T> oneOf(Gen<? extends T>... generators) {
        return random -> generators[random.nextInt(generators.length)].next(random);
    }

    /** A generator and its weight, for {@link #frequency}. */
    record Weighted<T>(int weight, Gen<? extends T> generator) {
    }

    static <T> Weighted<T> weight(int weight, Gen<? extends T> generator) {
        return new Weighted<>(weight, generator);
    }

    /** A value of one of the generators, each chosen in proportion to its weight. */
    @SafeVarargs
    static <T> Gen<T> frequency(Weighted<? extends T>... choices) {
        int total = 0;
        for (Weighted<? extends T> choice : choices) {
            total += choice.weight();
        }
        int sum = total;
        return random -> {
            int pick = random.nextInt(sum);
            for (Weighted<? extends T> choice : choices) {
                pick -= choice.weight();
                if (pick < 0) {
                    return choice.generator().next(random);
                }
            }
            throw new AssertionError("unreachable");
        };
    }

    /** Integers from {@code min} to {@code max}, both included. */
    static Gen<Integer> integers(int min, int max) {
        return random -> between(random, min, max);
    }

    /** Any int, the edges ({@code 0}, {@code ±1}, the extremes) more often than by chance. */
    static Gen<Integer> integers() {
        return random -> random.nextInt(8) == 0
                ? new int[] {0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE}[random.nextInt(5)]
                : random.nextInt() >> random.nextInt(32);
    }

    /** Any long, the edges more often than by chance. */
    static Gen<Long> longs() {
        return random -> random.nextInt(8) == 0
                ? new long[] {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE}[random.nextInt(5)]
                : random.nextLong() >> random.nextInt(64);
    }

    /** Finite doubles of every magnitude, zeros, the extremes and the smallest subnormal among them. */
    static Gen<Double> doubles() {
        return random -> random.nextInt(8) == 0
                ? new double[] {0.0, -0.0, Double.MAX_VALUE, -Double.MAX_VALUE, Double.MIN_VALUE, Double.MIN_NORMAL}
                        [random.nextInt(6)]
                : (random.nextDouble() - 0.5) * Math.pow(10, random.nextInt(617) - 308);
    }

    /** Strings of {@code min} to {@code max} characters, each one of {@code chars}. */
    static Gen<String> strings(String chars, int min, int max) {
        return random -> {
            int length = between(random, min, max);
            StringBuilder text = new StringBuilder(length);
            for (int i = 0; i < length; i++) {
                text.append(chars.charAt(random.nextInt(chars.length())));
            }
            return text.toString();
        };
    }

    /** Strings of {@code min} to {@code max} UTF-16 units from {@code first} to {@code last} (lone surrogates too). */
    static Gen<String> strings(char first, char last, int min, int max) {
        return random -> {
            int length = between(random, min, max);
            StringBuilder text = new StringBuilder(length);
            for (int i = 0; i < length; i++) {
                text.append((char) between(random, first, last));
            }
            return text.toString();
        };
    }

    /** Byte arrays of up to {@code max} random bytes. */
    static Gen<byte[]> bytes(int max) {
        return random -> {
            byte[] bytes = new byte[between(random, 0, max)];
            random.nextBytes(bytes);
            return bytes;
        };
    }

    private static int between(Random random, int min, int max) {
        return min + random.nextInt(max - min + 1);
    }
}
