// The Durable Streams conformance suite (npm @durable-streams/server-conformance-tests, written by the
// protocol's authors) against /ds of the packaged service, over PostgreSQL. The suite reads baseUrl when
// each test runs, so the replica started in beforeAll is the one it tests.
import { afterAll, beforeAll } from 'vitest';
import { runConformanceTests } from '@durable-streams/server-conformance-tests';
import { Service } from '../../js/test/harness.mjs';

const options = { baseUrl: '', longPollTimeoutMs: 3500, subscriptions: true };
let service;

beforeAll(async () => {
  // the suite sends no tokens; a long-poll that waits 3 s answers inside the suite's 4.5 s allowance
  service = await Service.start('ds-conformance', {
    env: {
      JOURNAL_AUTH_ENABLED: 'false',
      JOURNAL_DS_LONG_POLL_TIMEOUT: '3s',
      // the suite's webhook receivers listen on http://127.0.0.1
      JOURNAL_DS_SUBSCRIPTIONS_ALLOW_LOOPBACK_HTTP: 'true',
    },
  });
  options.baseUrl = `${service.url}/ds`;
});

afterAll(async () => {
  await service?.stop();
});

runConformanceTests(options);
