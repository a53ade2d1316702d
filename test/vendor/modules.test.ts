/**
 * SPEC 1.4: the modules table. Every machine state it names exists in the statecharts (a renamed
 * state would silently make a module never fetchable), and each module's endpoints are the
 * vendor's, as SPEC 1.4 lists them.
 */
import { describe, expect, it } from 'vitest';
import { MODELS, MODULE_NAMES, MODULES, type ModuleName } from '../../src/index.js';
import { COMPLETED, ONBOARDING_MODULES } from '../../src/vendor/modules.js';

/** Whether `machine.region.state` names a state of the statecharts. */
function stateExists(ref: string): boolean {
  const parts = ref.split('.');
  if (parts.length !== 3) return false;
  const [machine, region, state] = parts;
  if (!Object.hasOwn(MODELS, machine)) return false;
  const root = MODELS[machine as keyof typeof MODELS].machine.root;
  const regionNode = Object.hasOwn(root.states, region) ? root.states[region] : undefined;
  return regionNode !== undefined && Object.hasOwn(regionNode.states, state);
}

const ALL_MODULES: ModuleName[] = [
  'face',
  'faceAuthentication',
  'governmentValidation',
  'id',
  'proofOfPayment',
  'scores',
  'secondId',
  'videoSelfie',
  'watchlist',
  'workHistory',
];

const refsOf = (name: ModuleName) => [...MODULES[name].final, ...MODULES[name].preliminary];

describe('SPEC 1.4: the modules', () => {
  it('lists exactly the ten modules of SPEC 1.4, sorted by name as the view lists them', () => {
    expect([...MODULE_NAMES]).toEqual(ALL_MODULES);
    expect(Object.keys(MODULES).sort()).toEqual(ALL_MODULES);
  });

  it('the onboarding modules a flow may have are id, secondId, face and governmentValidation', () => {
    expect([...ONBOARDING_MODULES].sort()).toEqual(['face', 'governmentValidation', 'id', 'secondId']);
  });
});

describe('every state the modules table names is a real state of the machines', () => {
  it('the completion state is the onboarding machine’s finished progress', () => {
    expect(COMPLETED).toBe('onboarding.progress.finished');
    expect(stateExists(COMPLETED)).toBe(true);
  });

  it.each(ALL_MODULES)('%s names only existing machine.region.state references', (name) => {
    const refs = refsOf(name);
    for (const ref of refs) expect(stateExists(ref), `${name}: ${ref}`).toBe(true);
  });

  it('the check itself rejects a misspelled machine, region or state', () => {
    expect(stateExists('onboarding.id.postProcessed')).toBe(true);
    expect(stateExists('onbording.id.postProcessed')).toBe(false);
    expect(stateExists('onboarding.ids.postProcessed')).toBe(false);
    expect(stateExists('onboarding.id.postprocessed')).toBe(false);
    expect(stateExists('onboarding.id')).toBe(false);
  });

  it('ONBOARDING_FINISHED makes onboarding modules final if the flow has them, scores always, webhook-only modules never', () => {
    for (const name of ALL_MODULES) {
      const fact = MODULES[name];
      if ((ONBOARDING_MODULES as readonly string[]).includes(name)) {
        expect(fact.byCompletion, name).toBe('if-in-flow');
      } else if (name === 'scores') {
        expect(fact.byCompletion).toBe('always');
      } else {
        expect(fact.byCompletion, name).toBe('never');
        expect(fact.final.length, name).toBeGreaterThan(0);
      }
    }
  });

  it('ties each module to the machine region of its own evidence', () => {
    expect(MODULES.id.final).toEqual(['onboarding.id.postProcessed']);
    expect(MODULES.id.preliminary).toEqual(['onboarding.id.validated']);
    expect(MODULES.secondId.final).toEqual(['onboarding.secondId.validated']);
    expect(MODULES.face.final).toEqual(['onboarding.face.validated']);
    expect(MODULES.governmentValidation.final).toEqual([]);
    expect(MODULES.governmentValidation.preliminary).toEqual(['onboarding.governmentValidation.validated']);
    expect(MODULES.scores.preliminary).toEqual(['evidence.ineScraping.finished']);
    expect(MODULES.videoSelfie.final).toEqual(['evidence.videoSelfie.uploaded']);
    expect(MODULES.watchlist.final).toEqual(['evidence.watchlist.updated']);
    expect([...MODULES.faceAuthentication.final].sort()).toEqual([
      'evidence.faceAuthentication.failed',
      'evidence.faceAuthentication.succeeded',
    ]);
    expect(MODULES.workHistory.final).toEqual(['evidence.workHistory.received']);
    expect(MODULES.proofOfPayment.final).toEqual(['evidence.proofOfPayment.received']);
  });
});

describe('SPEC 1.4: what must be fetched again', () => {
  it('scores are fetched again after decisions, watchlist results after each update, nothing else', () => {
    for (const name of ALL_MODULES) {
      const expected = name === 'scores' ? 'decisions' : name === 'watchlist' ? 'watchlist-updates' : undefined;
      expect(MODULES[name].refetch, name).toBe(expected);
    }
  });
});

describe('SPEC 1.4: the vendor endpoints of each module', () => {
  const endpoints = (name: ModuleName) => MODULES[name].endpoints.map((e) => `${e.method} ${e.path}`);

  it('id: OCR data, the ID images and the score', () => {
    expect(endpoints('id')).toEqual(['GET /omni/get/ocr-data', 'POST /omni/get/images', 'GET /omni/get/score']);
  });

  it('secondId: the same endpoints as id', () => {
    expect(endpoints('secondId')).toEqual(endpoints('id'));
  });

  it('face: the selfie image and the score', () => {
    expect(endpoints('face')).toEqual(['POST /omni/get/images', 'GET /omni/get/score']);
  });

  it('governmentValidation: the governmentValidation block of the score', () => {
    expect(endpoints('governmentValidation')).toEqual(['GET /omni/get/score']);
    expect(MODULES.governmentValidation.endpoints[0].description).toMatch(/governmentValidation/);
  });

  it('scores: the score', () => {
    expect(endpoints('scores')).toEqual(['GET /omni/get/score']);
  });

  it('videoSelfie: the download-URL endpoint, whose path SPEC does not name', () => {
    expect(MODULES.videoSelfie.endpoints).toHaveLength(1);
    expect(MODULES.videoSelfie.endpoints[0].path).toBeNull();
    expect(MODULES.videoSelfie.endpoints[0].description).toMatch(/download URL/);
  });

  it('watchlist: the updated watchlist results, by ref', () => {
    expect(endpoints('watchlist')).toEqual(['GET /omni/updated-watchlist-result?ref=']);
  });

  it.each(['faceAuthentication', 'workHistory', 'proofOfPayment'] as const)(
    '%s: no endpoint (the webhook body is the data)',
    (name) => {
      expect(MODULES[name].endpoints).toEqual([]);
    },
  );
});
