/**
 * The modules table. Every module is decided by a region of its own name in the machine the
 * table names, whose states say the stage by their tags (a renamed region would silently make a
 * module never fetchable); the statuses that move an onboarding module agree with the statuses'
 * implications; and each module's endpoints are the vendor's.
 */
import { describe, expect, it } from 'vitest';
import { walkMachine } from '../../src/core/walk.js';
import { MODELS, MODULE_NAMES, MODULES, type ModuleName } from '../../src/index.js';
import { MODULE_STATUSES, ONBOARDING_MODULES, STAGE_TAGS } from '../../src/vendor/modules.js';
import { COMPLETING_STATUSES, IMPLIED_BITS, ONBOARDING_STATUSES, statusBit } from '../../src/vendor/statuses.js';

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

/** The region that decides a module, as the walk of its machine reads it. */
const regionOf = (name: ModuleName) =>
  walkMachine(MODELS[MODULES[name].machine].machine).regions.find((region) => region.key === name);

describe('the modules', () => {
  it('lists exactly the ten modules, sorted by name as the view lists them', () => {
    expect([...MODULE_NAMES]).toEqual(ALL_MODULES);
    expect(Object.keys(MODULES).sort()).toEqual(ALL_MODULES);
  });

  it('the onboarding modules a flow may have are id, secondId, face and governmentValidation', () => {
    expect([...ONBOARDING_MODULES].sort()).toEqual(['face', 'governmentValidation', 'id', 'secondId']);
  });
});

describe('every module is decided by a region of its own name', () => {
  it.each(ALL_MODULES)('%s: a region whose initial state is not fetchable, and some state tagged final', (name) => {
    const region = regionOf(name);
    expect(region, name).toBeDefined();
    const initial = region?.states.find((state) => state.key === region.initial);
    expect(initial?.tags.some((tag) => (STAGE_TAGS as readonly string[]).includes(tag))).toBe(false);
    expect(region?.states.some((state) => state.tags.includes('final'))).toBe(true);
  });

  it('completion makes onboarding modules final if the flow has them, scores always, webhook-only modules never', () => {
    for (const name of ALL_MODULES) {
      const region = regionOf(name);
      const completions = (region?.states ?? []).flatMap((state) =>
        state.transitions.filter((t) => (COMPLETING_STATUSES as readonly string[]).includes(t.event)),
      );
      if ((ONBOARDING_MODULES as readonly string[]).includes(name)) {
        expect(MODULES[name].byCompletion, name).toBe('if-in-flow');
        expect(completions.length, name).toBeGreaterThan(0);
        for (const move of completions) expect(move).toMatchObject({ guard: 'inFlow', params: { module: name } });
      } else if (name === 'scores') {
        expect(MODULES[name].byCompletion).toBe('always');
        expect(completions.length).toBeGreaterThan(0);
        for (const move of completions) expect(move.guard).toBeUndefined();
      } else {
        expect(MODULES[name].byCompletion, name).toBe('never');
        expect(completions, name).toEqual([]);
      }
    }
  });

  it('the statuses that move an onboarding module include every status that implies them', () => {
    for (const module of ONBOARDING_MODULES) {
      const { preliminary, final } = MODULE_STATUSES[module];
      const moving = [...preliminary, ...final];
      for (const status of ONBOARDING_STATUSES) {
        if ((COMPLETING_STATUSES as readonly string[]).includes(status)) continue;
        const implies = moving.some((moved) => IMPLIED_BITS[status] & statusBit(moved));
        if (implies) expect(moving, `${status} implies a status of ${module}`).toContain(status);
      }
    }
    expect(MODULE_STATUSES.id).toEqual({
      preliminary: ['ID_VALIDATION_FINISHED', 'ID_VALIDATION_FINISHED_SECOND_ID'],
      final: ['POST_PROCESSING_FINISHED'],
    });
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
