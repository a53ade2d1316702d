/**
 * What each piece of evidence makes safe to fetch (SPEC 1.4), as data: for each module, the
 * machine states that make it fetchable (final or preliminary), and the vendor endpoints.
 * `src/core/view.ts` reads this table; it is where fetchability is decided.
 */
import type { Endpoint, ModuleName, OnboardingModule } from '../types.js';

/** A machine state, as `machine.region.state`. */
export type StateRef = `${'onboarding' | 'session' | 'evidence'}.${string}.${string}`;

interface ModuleFact {
  /** States in which the module is final. */
  readonly final: readonly StateRef[];
  /** States in which it is preliminary (when not final). */
  readonly preliminary: readonly StateRef[];
  /**
   * `ONBOARDING_FINISHED` (and a manual-review status after it) makes it final. For an onboarding
   * module a flow configuration can narrow this to the modules the flow has.
   */
  readonly byCompletion: 'always' | 'if-in-flow' | 'never';
  /** What asks for the data to be fetched again. */
  readonly refetch?: 'decisions' | 'watchlist-updates';
  readonly endpoints: readonly Endpoint[];
}

const OCR: Endpoint = { method: 'GET', path: '/omni/get/ocr-data', description: 'OCR data of the ID' };
const IMAGES: Endpoint = { method: 'POST', path: '/omni/get/images', description: 'captured images' };
const SCORE: Endpoint = { method: 'GET', path: '/omni/get/score', description: 'the score' };

/** The state that says the onboarding finished. */
export const COMPLETED: StateRef = 'onboarding.progress.finished';

/** Every fetchable module: when it becomes fetchable and where its data is. */
export const MODULES: Readonly<Record<ModuleName, ModuleFact>> = {
  id: {
    final: ['onboarding.id.postProcessed'],
    preliminary: ['onboarding.id.validated'],
    byCompletion: 'if-in-flow',
    endpoints: [OCR, { ...IMAGES, description: 'ID images' }, SCORE],
  },
  secondId: {
    final: ['onboarding.secondId.validated'],
    preliminary: [],
    byCompletion: 'if-in-flow',
    endpoints: [OCR, { ...IMAGES, description: 'second ID images' }, SCORE],
  },
  face: {
    final: ['onboarding.face.validated'],
    preliminary: [],
    byCompletion: 'if-in-flow',
    endpoints: [{ ...IMAGES, description: 'selfie image' }, SCORE],
  },
  governmentValidation: {
    final: [],
    preliminary: ['onboarding.governmentValidation.validated'],
    byCompletion: 'if-in-flow',
    endpoints: [{ ...SCORE, description: 'the governmentValidation block of the score' }],
  },
  scores: {
    final: [],
    preliminary: ['evidence.ineScraping.finished'],
    byCompletion: 'always',
    refetch: 'decisions',
    endpoints: [SCORE],
  },
  videoSelfie: {
    final: ['evidence.videoSelfie.uploaded'],
    preliminary: [],
    byCompletion: 'never',
    endpoints: [
      {
        method: 'GET',
        path: null,
        description: 'the video selfie download URL (signed, valid 1 h, can be regenerated)',
      },
    ],
  },
  watchlist: {
    final: ['evidence.watchlist.updated'],
    preliminary: [],
    byCompletion: 'never',
    refetch: 'watchlist-updates',
    endpoints: [
      { method: 'GET', path: '/omni/updated-watchlist-result?ref=', description: 'updated watchlist results, by ref' },
    ],
  },
  faceAuthentication: {
    final: ['evidence.faceAuthentication.succeeded', 'evidence.faceAuthentication.failed'],
    preliminary: [],
    byCompletion: 'never',
    endpoints: [],
  },
  workHistory: {
    final: ['evidence.workHistory.received'],
    preliminary: [],
    byCompletion: 'never',
    endpoints: [],
  },
  proofOfPayment: {
    final: ['evidence.proofOfPayment.received'],
    preliminary: [],
    byCompletion: 'never',
    endpoints: [],
  },
};

/** The onboarding modules a flow can have; `scores` comes with every flow. */
export const ONBOARDING_MODULES: readonly OnboardingModule[] = ['id', 'secondId', 'face', 'governmentValidation'];

/** Module names in sorted order, as the view lists them. */
export const MODULE_NAMES: readonly ModuleName[] = (Object.keys(MODULES) as ModuleName[]).sort();
