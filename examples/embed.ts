// Embed the core in a service: feed deliveries as they come, read one answer per session.
import { Ledger } from 'onboarding-status';

const ledger = new Ledger({ flow: { modules: ['id', 'face'] } });

// Webhooks arrive late, twice, and out of order; polls can be stale.
ledger.add({
  kind: 'onboarding-status',
  receivedAt: '2026-11-25T10:00:09.000Z',
  body: { interviewId: 'a1', onboardingStatus: 'ONBOARDING_FINISHED' },
});
ledger.add({
  kind: 'onboarding-status',
  receivedAt: '2026-11-25T10:00:11.000Z',
  body: { interviewId: 'a1', onboardingStatus: 'ID_VALIDATION_FINISHED' },
});
ledger.add({
  kind: 'poll',
  interviewId: 'a1',
  requestedAt: '2026-11-25T10:00:10.000Z',
  receivedAt: '2026-11-25T10:00:10.300Z',
  body: { onboardingStatus: 'UNKNOWN' },
});

const view = ledger.view('a1');
console.log(view?.status); // ONBOARDING_FINISHED
console.log(view?.decision); // none: data complete, not approved
console.log(view?.fetchable); // [ 'face', 'id', 'scores' ]
console.log(view?.modules.id?.endpoints.map((e) => `${e.method} ${e.path}`));
console.log(view?.anomalies.map((a) => a.code)); // [ 'stale-poll', 'late-delivery' ]
