/**
 * Simulated image-generation jobs: how a submitted workflow's status moves with time, and the
 * `Workflow` document the API answers with at a given instant.
 *
 * Status is computed from the workflow's own clock at read time (nothing runs in the background),
 * so a virtual clock can jump over minutes and every read is reproducible.
 */
import type {
  ImageBlob,
  ImageGenInput,
  ImageGenOutput,
  ImageGenStep,
  Workflow,
  WorkflowCost,
  WorkflowStatus,
  WorkflowStepJob,
  WorkflowTemplate,
} from '@civitai/client/dist/generated/types.gen.js';
import type { Clock } from './clock.ts';

export type { WorkflowTemplate };

export type TerminalStatus = Extract<WorkflowStatus, 'succeeded' | 'failed' | 'expired' | 'canceled'>;
export type PendingStatus = Extract<WorkflowStatus, 'unassigned' | 'preparing' | 'scheduled' | 'processing'>;

export const PENDING_STATUSES: readonly PendingStatus[] = ['unassigned', 'preparing', 'scheduled', 'processing'];
export const TERMINAL_STATUSES: readonly TerminalStatus[] = ['succeeded', 'failed', 'expired', 'canceled'];

/** How long (ms of the workflow's clock) each non-terminal status lasts; 0 skips it. */
export type PhaseDurations = Record<PendingStatus, number>;

export interface JobPlan {
  outcome: TerminalStatus;
  phaseMs: PhaseDurations;
  /** Buzz charged per requested image; `cost.total` is this times `quantity`. */
  costPerImage: number;
}

export interface JobPlanOverride {
  outcome?: TerminalStatus;
  phaseMs?: Partial<PhaseDurations>;
  costPerImage?: number;
}

export const DEFAULT_JOB_PLAN: JobPlan = {
  outcome: 'succeeded',
  phaseMs: { unassigned: 1_000, preparing: 1_000, scheduled: 2_000, processing: 10_000 },
  costPerImage: 4,
};

export function mergeJobPlan(base: JobPlan, override: JobPlanOverride | undefined): JobPlan {
  if (!override) return base;
  const plan: JobPlan = {
    outcome: override.outcome ?? base.outcome,
    phaseMs: { ...base.phaseMs, ...override.phaseMs },
    costPerImage: override.costPerImage ?? base.costPerImage,
  };
  if (!TERMINAL_STATUSES.includes(plan.outcome)) {
    throw new RangeError(`job plan: outcome must be one of ${TERMINAL_STATUSES.join(', ')}, got ${String(plan.outcome)}`);
  }
  for (const status of PENDING_STATUSES) {
    const ms = plan.phaseMs[status];
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`job plan: phaseMs.${status} must be a number of milliseconds >= 0, got ${ms}`);
  }
  if (!Number.isFinite(plan.costPerImage) || plan.costPerImage < 0) {
    throw new RangeError(`job plan: costPerImage must be a number >= 0, got ${plan.costPerImage}`);
  }
  return plan;
}

/** The input fields the simulator reads; the rest of the submitted input is echoed back untouched. */
export type SubmittedImageGenInput = ImageGenInput & { prompt: string; quantity?: number | null; width?: number | null; height?: number | null };

export interface SimulatedWorkflow {
  id: string;
  externalId?: string;
  /** Hash of the bearer token that created it: workflows and external ids are scoped per caller, as in the real API. */
  ownerKey: string;
  /** The clock of the run that submitted it; every later read of this workflow uses it. */
  clock: Clock;
  createdAt: number;
  /** Start instant of each pending status, and the terminal instant. */
  timeline: Record<PendingStatus, number> & { terminal: number };
  plan: JobPlan;
  template: WorkflowTemplate;
  stepName: string;
  input: SubmittedImageGenInput;
  quantity: number;
  submits: number;
  gets: number;
  /** Workflow-clock instant of the first intact response that showed the terminal status. */
  terminalObservedAt: number | null;
}

export function buildTimeline(createdAt: number, phaseMs: PhaseDurations): SimulatedWorkflow['timeline'] {
  let at = createdAt;
  const starts = {} as Record<PendingStatus, number>;
  for (const status of PENDING_STATUSES) {
    starts[status] = at;
    at += phaseMs[status];
  }
  return { ...starts, terminal: at };
}

export function statusAt(workflow: SimulatedWorkflow, now: number): WorkflowStatus {
  if (now >= workflow.timeline.terminal) return workflow.plan.outcome;
  // Latest pending status whose start has passed; zero-length phases are skipped because the next starts at the same instant.
  let current: PendingStatus = 'unassigned';
  for (const status of PENDING_STATUSES) {
    if (now >= workflow.timeline[status]) current = status;
  }
  return current;
}

export function isTerminal(status: WorkflowStatus): status is TerminalStatus {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}

/** The seed and older clients read images from the job's result; the live API puts them in the step's output. Both are served. */
export type SimulatedJob = WorkflowStepJob & { result?: { blobs: ImageBlob[] } };
export type SimulatedImageGenStep = Omit<ImageGenStep, 'jobs' | 'input'> & { input: SubmittedImageGenInput; jobs: SimulatedJob[] };
export type SimulatedWorkflowDocument = Omit<Workflow, 'steps'> & { readonly steps: SimulatedImageGenStep[] };

export interface RenderOptions {
  /** Base of blob URLs, e.g. `http://127.0.0.1:4010`. */
  baseUrl: string;
  /** `estimatedProgressRate` and `queuePosition`; off gives a document that is a pure function of the status. */
  progressFields: boolean;
}

const BLOB_URL_LIFETIME_MS = 60 * 60 * 1000;

export function jobId(workflow: SimulatedWorkflow): string {
  return `${workflow.id}-job-0`;
}

export function blobId(workflow: SimulatedWorkflow, index: number): string {
  return `${workflow.id}-blob-${index}`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function images(workflow: SimulatedWorkflow, options: RenderOptions, now: number): ImageBlob[] {
  return Array.from({ length: workflow.quantity }, (_, index): ImageBlob => {
    const id = blobId(workflow, index);
    return {
      type: 'image',
      id,
      available: true,
      url: `${options.baseUrl}/v2/consumer/blobs/${id}`,
      urlExpiresAt: iso(now + BLOB_URL_LIFETIME_MS),
      jobId: jobId(workflow),
      width: workflow.input.width ?? 1024,
      height: workflow.input.height ?? 1024,
    };
  });
}

export function renderWorkflow(workflow: SimulatedWorkflow, options: RenderOptions, now: number): SimulatedWorkflowDocument {
  const status = statusAt(workflow, now);
  const terminal = isTerminal(status);
  const processingStart = workflow.timeline.processing;
  const started = now >= processingStart;
  const total = workflow.plan.costPerImage * workflow.quantity;
  const cost: WorkflowCost = { base: total, tips: { civitai: 0, creators: 0 }, total };
  const startedAt = started ? iso(processingStart) : null;
  const completedAt = terminal ? iso(workflow.timeline.terminal) : null;

  const job: SimulatedJob = { id: jobId(workflow), status, startedAt, completedAt, cost: total };
  let output: ImageGenOutput | undefined;
  if (status === 'succeeded') {
    const blobs = images(workflow, options, now);
    job.result = { blobs };
    output = { images: blobs };
  } else if (status === 'failed') {
    output = { images: [], errors: ['simulated generation failure'] };
  }

  let stepProgress: number | null | undefined;
  if (options.progressFields) {
    stepProgress = terminal ? null : progressRate(workflow, now);
    job.estimatedProgressRate = stepProgress;
    if (!started) {
      job.queuePosition = {
        support: 'available',
        precedingJobs: Math.ceil((processingStart - now) / 1000),
        startAt: iso(processingStart),
        completeAt: iso(workflow.timeline.terminal),
      };
    }
  }

  const step: SimulatedImageGenStep = {
    $type: 'imageGen',
    name: workflow.stepName,
    priority: 'normal',
    status,
    startedAt,
    completedAt,
    metadata: {},
    input: workflow.input,
    jobs: [job],
    ...(output ? { output } : {}),
    ...(stepProgress !== undefined ? { estimatedProgressRate: stepProgress } : {}),
  };

  return {
    id: workflow.id,
    createdAt: iso(workflow.createdAt),
    metadata: workflow.template.metadata ?? {},
    status,
    startedAt,
    completedAt,
    tags: workflow.template.tags ?? [],
    arguments: workflow.template.arguments ?? {},
    steps: [step],
    callbacks: workflow.template.callbacks ?? [],
    tips: { civitai: 0, creators: 0 },
    cost,
    upgradeMode: 'manual',
    currencies: workflow.template.currencies ?? [],
    forceRefunded: false,
    ...(workflow.externalId !== undefined ? { externalId: workflow.externalId } : {}),
  };
}

function progressRate(workflow: SimulatedWorkflow, now: number): number {
  const start = workflow.timeline.processing;
  const length = workflow.timeline.terminal - start;
  if (now < start || length <= 0) return 0;
  return Math.round(((now - start) / length) * 100) / 100;
}

// Compile-time proof that what the simulator serves is a real `Workflow` as the published client types it.
type ServesPublishedShape = SimulatedWorkflowDocument extends Workflow ? true : never;
const _servesPublishedShape: ServesPublishedShape = true;
