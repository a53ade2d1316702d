/**
 * What each piece of evidence makes safe to fetch, as data: for each module, the machine region
 * that tracks it (named after the module), the statuses that move an onboarding module, whether
 * completion makes it final, and the vendor endpoints. The machines are built from this table and
 * decide; the view reads the region's state and its tag (`final` or `preliminary`).
 */
import type { Endpoint, FlowConfig, ModuleName, OnboardingModule } from '../types.js';
import type { EvidenceStatus } from './statuses.js';

interface ModuleFact {
  /** The machine whose region of the module's own name tracks it. */
  readonly machine: 'onboarding' | 'evidence';
  /**
   * Completion (`ONBOARDING_FINISHED`, and a manual-review status after it) makes it final: for
   * an onboarding module only when the flow has it (when a flow configuration is given).
   */
  readonly byCompletion: 'always' | 'if-in-flow' | 'never';
  /** What asks for the data to be fetched again. */
  readonly refetch?: 'decisions' | 'watchlist-updates';
  readonly endpoints: readonly Endpoint[];
}

/** The statuses that make an onboarding module fetchable, preliminary or final, on their own. */
export interface StatusEvidence {
  readonly preliminary: readonly EvidenceStatus[];
  readonly final: readonly EvidenceStatus[];
}

const OCR: Endpoint = { method: 'GET', path: '/omni/get/ocr-data', description: 'OCR data of the ID' };
const IMAGES: Endpoint = { method: 'POST', path: '/omni/get/images', description: 'captured images' };
const SCORE: Endpoint = { method: 'GET', path: '/omni/get/score', description: 'the score' };

/** Every fetchable module: which machine decides it, and where its data is. */
export const MODULES: Readonly<Record<ModuleName, ModuleFact>> = {
  id: {
    machine: 'onboarding',
    byCompletion: 'if-in-flow',
    endpoints: [OCR, { ...IMAGES, description: 'ID images' }, SCORE],
  },
  secondId: {
    machine: 'onboarding',
    byCompletion: 'if-in-flow',
    endpoints: [OCR, { ...IMAGES, description: 'second ID images' }, SCORE],
  },
  face: {
    machine: 'onboarding',
    byCompletion: 'if-in-flow',
    endpoints: [{ ...IMAGES, description: 'selfie image' }, SCORE],
  },
  governmentValidation: {
    machine: 'onboarding',
    byCompletion: 'if-in-flow',
    endpoints: [{ ...SCORE, description: 'the governmentValidation block of the score' }],
  },
  scores: { machine: 'onboarding', byCompletion: 'always', refetch: 'decisions', endpoints: [SCORE] },
  videoSelfie: {
    machine: 'evidence',
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
    machine: 'evidence',
    byCompletion: 'never',
    refetch: 'watchlist-updates',
    endpoints: [
      { method: 'GET', path: '/omni/updated-watchlist-result?ref=', description: 'updated watchlist results, by ref' },
    ],
  },
  faceAuthentication: { machine: 'evidence', byCompletion: 'never', endpoints: [] },
  workHistory: { machine: 'evidence', byCompletion: 'never', endpoints: [] },
  proofOfPayment: { machine: 'evidence', byCompletion: 'never', endpoints: [] },
};

/**
 * The statuses that move each onboarding module on their own (a second ID's status implies the
 * first ID's validation; post-processing makes the ID final). Completion is `byCompletion`.
 */
export const MODULE_STATUSES: Readonly<Record<OnboardingModule, StatusEvidence>> = {
  id: {
    preliminary: ['ID_VALIDATION_FINISHED', 'ID_VALIDATION_FINISHED_SECOND_ID'],
    final: ['POST_PROCESSING_FINISHED'],
  },
  secondId: { preliminary: [], final: ['ID_VALIDATION_FINISHED_SECOND_ID'] },
  face: { preliminary: [], final: ['FACE_VALIDATION_FINISHED'] },
  governmentValidation: { preliminary: ['GOVERNMENT_VALIDATION_FINISHED'], final: [] },
};

/** The onboarding modules a flow can have; `scores` comes with every flow. */
export const ONBOARDING_MODULES: readonly OnboardingModule[] = ['id', 'secondId', 'face', 'governmentValidation'];

/** Module names in sorted order, as the view lists them. */
export const MODULE_NAMES: readonly ModuleName[] = (Object.keys(MODULES) as ModuleName[]).sort();

/** The tags a module region's states carry to say the module is fetchable, and at which stage. */
export const STAGE_TAGS = ['final', 'preliminary'] as const;

/** A flow's onboarding modules as bits (the machines' input); every module without a flow. */
export function flowBits(flow: FlowConfig | undefined): number {
  if (flow === undefined) return (1 << ONBOARDING_MODULES.length) - 1;
  let bits = 0;
  ONBOARDING_MODULES.forEach((module, index) => {
    if (flow.modules.includes(module)) bits |= 1 << index;
  });
  return bits;
}

/** The bit of an onboarding module in `flowBits`. */
export const moduleBit = (module: OnboardingModule): number => 1 << ONBOARDING_MODULES.indexOf(module);
