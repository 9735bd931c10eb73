// The suites run one file at a time against replicas they start themselves; the conformance package is
// inlined so that its tests register in this run (vitest does not collect tests from node_modules).
export default {
  test: {
    include: ['test/**/*.test.mjs'],
    fileParallelism: false,
    testTimeout: 60000,
    hookTimeout: 120000,
    server: { deps: { inline: [/@durable-streams/] } },
  },
};
