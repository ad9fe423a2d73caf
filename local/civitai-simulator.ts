/**
 * A local stand-in for Civitai's Orchestration API (submitWorkflow, getWorkflow, and the blob URLs they
 * hand out), with configurable job outcomes, fault injection and traffic counters.
 *
 * Time: every workflow lives on the clock of the run that submitted it. A submit that carries
 * `x-sim-clock: <key>` uses the clock registered under that key with `registerClock`; any other submit
 * uses the simulator's default clock. Every later read of that workflow uses its own clock (the header
 * is not needed on GETs), so 500 concurrent runs can each keep their own virtual time on one server.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock, type Clock } from './clock.ts';
import { TrafficTally, type CountedOperation, type SimulatorCounters, type WorkflowCounters } from './civitai-simulator-counters.ts';
import { noFaults, type Fault, type FaultContext, type FaultKind, type FaultPolicy } from './civitai-simulator-faults.ts';
import { outageAt, validateOutages, type OutageWindow } from './civitai-simulator-outages.ts';
import { SimulatorCallbacks, type CallbackDelivery, type CallbackRecord } from './civitai-simulator-callbacks.ts';
import {
  buildTimeline,
  DEFAULT_JOB_PLAN,
  isTerminal,
  mergeJobPlan,
  renderWorkflow,
  statusAt,
  type JobPlan,
  type JobPlanOverride,
  type SimulatedWorkflow,
  type SimulatedWorkflowDocument,
  type SubmittedImageGenInput,
  type WorkflowTemplate,
} from './civitai-simulator-jobs.ts';
import { isRecord, parseJsonOrUndefined } from '../lib/arazzo/json-values.ts';

export const CLOCK_HEADER = 'x-sim-clock';
/**
 * The run's time (epoch ms) as it sends a request. A simulator in another process (`clocksFromHeaders`) keeps
 * each run's clock from it, so a run on virtual time needs no clock object shared with the simulator.
 */
export const NOW_HEADER = 'x-sim-now';
export const WORKFLOWS_PATH = '/v2/consumer/workflows';
const BLOBS_PATH = '/v2/consumer/blobs';
const MAX_BODY_BYTES = 1024 * 1024;
/** The real API's rule for client idempotency keys. */
const EXTERNAL_ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
const MAX_QUANTITY = 10;

/** The status code the client received; `reset`: the simulator destroyed the connection; `clientClosed`: the client left before a held-back answer. */
export type Delivery = number | 'reset' | 'clientClosed';

export interface RequestLogEntry {
  method: string;
  /** Path without the query string. */
  path: string;
  operation: CountedOperation;
  status: Delivery;
  fault?: FaultKind;
  /** Answered by a scheduled outage. */
  outage?: true;
}

export interface CivitaiSimulatorOptions {
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Clock of submits that name no registered clock (default: the system clock). */
  clock?: Clock;
  /** Status of a successful submit: 202 as the seed document expects, or 200 which the published client also accepts. */
  submitStatus?: 200 | 202;
  /** When set, any other bearer token is refused with 401 (lets a test prove which key arrived). */
  expectedToken?: string;
  /** Overrides of `DEFAULT_JOB_PLAN` for every submission. */
  jobPlan?: JobPlanOverride;
  /** Per-submission overrides on top of `jobPlan`; `index` counts jobs created before this one. */
  planFor?: (body: WorkflowTemplate, index: number) => JobPlanOverride | undefined;
  /** `estimatedProgressRate` and `queuePosition` in responses (default true). */
  progressFields?: boolean;
  faults?: FaultPolicy;
  /**
   * Learn each run's clock from its requests (`x-sim-clock` names it, `x-sim-now` says its time) instead of
   * `registerClock`: for a simulator in its own process. A clock never goes backwards.
   */
  clocksFromHeaders?: boolean;
  /** Scheduled outages on the clock of each request (see `civitai-simulator-outages.ts`); checked before `faults`. */
  outages?: readonly OutageWindow[];
  /**
   * How the webhooks a submit asks for (`callbacks: [{url, type}]`) are delivered: delay, loss, copies. They are
   * sent on the workflow's clock (a run's VirtualClock, or real time) to loopback URLs only. @default sent once, at once
   */
  callbacks?: CallbackDelivery;
  /** Randomness of callback loss (`callbacks.lossRate`). @default Math.random */
  random?: () => number;
  /** Called once per request after it is answered; never given headers or bodies. */
  onRequest?: (entry: RequestLogEntry) => void;
}

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  problem?: boolean;
}

type Route =
  | { operation: 'submitWorkflow' }
  | { operation: 'getWorkflow'; workflowId: string }
  | { operation: 'getBlob'; blobId: string }
  | { operation: 'unknown'; status: 404 | 405 };

const PRE_EFFECT_FAULTS: ReadonlySet<FaultKind> = new Set(['rateLimited', 'serverError', 'unavailable']);

export class CivitaiSimulator {
  private readonly options: CivitaiSimulatorOptions;
  private readonly basePlan: JobPlan;
  private readonly faults: FaultPolicy;
  private readonly clocks = new Map<string, Clock>();
  private readonly workflows = new Map<string, SimulatedWorkflow>();
  private readonly byOwnerAndExternalId = new Map<string, SimulatedWorkflow>();
  private readonly submitAttemptsByExternalId = new Map<string, number>();
  private readonly getAttemptsByWorkflowId = new Map<string, number>();
  private anonymousSubmits = 0;
  private tally = new TrafficTally();
  private readonly pendingDelays = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  private server: Server | undefined;
  private url: string | undefined;
  private readonly webhooks: SimulatorCallbacks;

  constructor(options: CivitaiSimulatorOptions = {}) {
    if (options.submitStatus !== undefined && options.submitStatus !== 200 && options.submitStatus !== 202) {
      throw new RangeError(`CivitaiSimulator: submitStatus must be 200 or 202, got ${String(options.submitStatus)}`);
    }
    this.options = options;
    this.basePlan = mergeJobPlan(DEFAULT_JOB_PLAN, options.jobPlan);
    this.faults = options.faults ?? noFaults;
    validateOutages(options.outages ?? []);
    this.webhooks = new SimulatorCallbacks(options.callbacks, options.random);
  }

  /** Base URL once started, e.g. `http://127.0.0.1:4010`. */
  get baseUrl(): string {
    if (!this.url) throw new Error('CivitaiSimulator: not started; await start() first');
    return this.url;
  }

  async start(): Promise<string> {
    if (this.server) throw new Error('CivitaiSimulator: already started');
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => this.internalError(res, error));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    for (const pending of this.pendingDelays) {
      clearTimeout(pending.timer);
      pending.resolve();
    }
    this.pendingDelays.clear();
    this.webhooks.stop();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  /** Submits with `x-sim-clock: <key>` record their workflow on this clock. */
  registerClock(key: string, clock: Clock): void {
    this.clocks.set(key, clock);
  }

  /** Workflows already submitted keep their clock. */
  unregisterClock(key: string): void {
    this.clocks.delete(key);
  }

  /** Every callback the simulator sent or meant to send, in order, with what became of it (never its URL). */
  callbacks(): readonly CallbackRecord[] {
    return this.webhooks.records;
  }

  counters(): SimulatorCounters {
    const workflows: Record<string, WorkflowCounters> = {};
    for (const workflow of this.workflows.values()) workflows[workflow.id] = this.workflowCounters(workflow);
    return {
      requests: this.tally.requests,
      byOperation: { ...this.tally.byOperation },
      byStatus: { ...this.tally.byStatus },
      faults: { ...this.tally.faults },
      outage: { answered: this.tally.outageAnswered, byClock: Object.fromEntries(this.tally.outageByClock) },
      jobsCreated: this.tally.jobsCreated,
      workflows,
    };
  }

  /** Counters of one workflow, or undefined for an unknown id. */
  workflow(id: string): WorkflowCounters | undefined {
    const workflow = this.workflows.get(id);
    return workflow && this.workflowCounters(workflow);
  }

  private workflowCounters(workflow: SimulatedWorkflow): WorkflowCounters {
    return {
      externalId: workflow.externalId ?? null,
      submits: workflow.submits,
      gets: workflow.gets,
      createdAt: workflow.createdAt,
      terminalStatus: workflow.plan.outcome,
      terminalAt: workflow.timeline.terminal,
      terminalObservedAt: workflow.terminalObservedAt,
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.options.clocksFromHeaders) this.clockFromHeaders(req);
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const route = matchRoute(req.method ?? 'GET', path);
    this.tally.request(route.operation);
    const log = (status: Delivery, fault?: Fault): void =>
      this.options.onRequest?.({ method: req.method ?? 'GET', path, operation: route.operation, status, ...(fault ? { fault: fault.kind } : {}) });

    const { clock, clockKey } = this.requestClock(req, route);
    const outage = outageAt(this.options.outages ?? [], clock.now());
    if (outage) {
      await readBody(req);
      this.tally.outage(clockKey);
      const reply = problem(503, 'Service Unavailable', 'The service is down for a scheduled outage; retry later');
      const status =
        outage.answer === 'connectionReset'
          ? this.reset(req)
          : await this.deliver(req, res, outage.retryAfterSeconds === undefined ? reply : withHeaders(reply, { 'retry-after': String(outage.retryAfterSeconds) }), undefined);
      this.options.onRequest?.({ method: req.method ?? 'GET', path, operation: route.operation, status, outage: true });
      return;
    }

    switch (route.operation) {
      case 'submitWorkflow':
        return this.submit(req, res, log);
      case 'getWorkflow':
        return this.get(req, res, route.workflowId, log);
      case 'getBlob':
        return this.blob(res, route.blobId, log);
      case 'unknown': {
        const reply =
          route.status === 405
            ? problem(405, 'Method Not Allowed', `${req.method} is not served on ${path}; the simulator serves POST ${WORKFLOWS_PATH} and GET ${WORKFLOWS_PATH}/{workflowId}`)
            : problem(404, 'Not Found', `Nothing is served at ${path}; the simulator serves POST ${WORKFLOWS_PATH} and GET ${WORKFLOWS_PATH}/{workflowId}`);
        await this.deliver(req, res, reply, undefined);
        log(reply.status);
        return;
      }
    }
  }

  private async submit(req: IncomingMessage, res: ServerResponse, log: (status: Delivery, fault?: Fault) => void): Promise<void> {
    const text = await readBody(req);
    if (text === undefined) {
      const reply = problem(413, 'Payload Too Large', `The request body exceeds ${MAX_BODY_BYTES} bytes`);
      await this.deliver(req, res, reply, undefined);
      return log(reply.status);
    }
    const parsed = parseJsonOrUndefined(text);
    const externalId = isRecord(parsed) && typeof parsed.externalId === 'string' ? parsed.externalId : undefined;
    let context: FaultContext;
    if (externalId !== undefined) {
      const attempt = (this.submitAttemptsByExternalId.get(externalId) ?? 0) + 1;
      this.submitAttemptsByExternalId.set(externalId, attempt);
      context = { operation: 'submitWorkflow', attempt, key: externalId, externalId };
    } else {
      this.anonymousSubmits += 1;
      context = { operation: 'submitWorkflow', attempt: this.anonymousSubmits, key: `submit#${this.anonymousSubmits}` };
    }
    const fault = this.faults(context);
    if (fault) this.tally.fault(fault.kind);
    if (fault && isPreEffect(fault)) return log(await this.deliverFault(req, res, fault), fault);

    const reply = this.submitEffect(req, parsed);
    const status = await this.deliver(req, res, reply, fault);
    log(status, fault);
  }

  private submitEffect(req: IncomingMessage, parsed: unknown): Reply {
    const auth = this.authenticate(req);
    if ('status' in auth) return auth;
    const clockKey = header(req, CLOCK_HEADER);
    const clock = clockKey === undefined ? (this.options.clock ?? systemClock) : this.clocks.get(clockKey);
    if (!clock) {
      return problem(400, 'Bad Request', `${CLOCK_HEADER}: no clock is registered under "${clockKey}"; call registerClock("${clockKey}", clock) before submitting, or drop the header to use the default clock`);
    }
    const validated = validateTemplate(parsed);
    if ('status' in validated) return validated;
    const { template, input, stepName, externalId } = validated;
    const submitStatus = this.options.submitStatus ?? 202;

    const dedupeKey = externalId === undefined ? undefined : `${auth.ownerKey}|${externalId}`;
    const existing = dedupeKey === undefined ? undefined : this.byOwnerAndExternalId.get(dedupeKey);
    if (existing) {
      existing.submits += 1;
      return { status: submitStatus, body: this.render(existing) };
    }

    const index = this.tally.jobsCreated;
    const plan = mergeJobPlan(this.basePlan, this.options.planFor?.(template, index));
    const createdAt = clock.now();
    const workflow: SimulatedWorkflow = {
      id: `sim-${String(index + 1).padStart(6, '0')}`,
      ...(externalId !== undefined ? { externalId } : {}),
      ownerKey: auth.ownerKey,
      clock,
      createdAt,
      timeline: buildTimeline(createdAt, plan.phaseMs),
      plan,
      template,
      stepName,
      input,
      quantity: input.quantity ?? 1,
      submits: 1,
      gets: 0,
      terminalObservedAt: null,
    };
    this.workflows.set(workflow.id, workflow);
    if (dedupeKey !== undefined) this.byOwnerAndExternalId.set(dedupeKey, workflow);
    this.tally.jobsCreated += 1;
    this.webhooks.schedule(workflow);
    return { status: submitStatus, body: this.render(workflow) };
  }

  private async get(req: IncomingMessage, res: ServerResponse, workflowId: string, log: (status: Delivery, fault?: Fault) => void): Promise<void> {
    await readBody(req);
    const workflow = this.workflows.get(workflowId);
    const attempt = (this.getAttemptsByWorkflowId.get(workflowId) ?? 0) + 1;
    this.getAttemptsByWorkflowId.set(workflowId, attempt);
    if (workflow) workflow.gets += 1;
    const fault = this.faults({
      operation: 'getWorkflow',
      attempt,
      key: workflow?.externalId ?? workflowId,
      workflowId,
      ...(workflow?.externalId !== undefined ? { externalId: workflow.externalId } : {}),
    });
    if (fault) this.tally.fault(fault.kind);
    if (fault && isPreEffect(fault)) return log(await this.deliverFault(req, res, fault), fault);

    let reply: Reply;
    const auth = this.authenticate(req);
    if ('status' in auth) reply = auth;
    else if (!workflow || workflow.ownerKey !== auth.ownerKey) {
      reply = problem(404, 'Not Found', `No workflow with id "${workflowId}" was submitted with this token; use the id returned by POST ${WORKFLOWS_PATH}`);
    } else reply = { status: 200, body: this.render(workflow) };

    const status = await this.deliver(req, res, reply, fault);
    if (workflow && status === 200 && fault?.kind !== 'malformedJson' && workflow.terminalObservedAt === null) {
      // Read the clock again: a slow answer reaches the client later than it was computed.
      const now = workflow.clock.now();
      if (isTerminal(statusAt(workflow, now))) workflow.terminalObservedAt = now;
    }
    log(status, fault);
  }

  private async blob(res: ServerResponse, blobId: string, log: (status: Delivery) => void): Promise<void> {
    const [, workflowId = '', index = ''] = /^(.+)-blob-(\d+)$/.exec(blobId) ?? [];
    const workflow = this.workflows.get(workflowId);
    const served = workflow !== undefined && Number(index) < workflow.quantity && statusAt(workflow, workflow.clock.now()) === 'succeeded';
    if (!served) {
      const reply = problem(404, 'Not Found', `No available blob "${blobId}"; blob URLs are listed in a succeeded workflow's images`);
      writeReply(res, reply);
      this.tally.answered(reply.status);
      return log(reply.status);
    }
    res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(PLACEHOLDER_PNG.length) });
    res.end(PLACEHOLDER_PNG);
    this.tally.answered(200);
    log(200);
  }

  private clockFromHeaders(req: IncomingMessage): void {
    const key = header(req, CLOCK_HEADER);
    const now = Number(header(req, NOW_HEADER));
    if (key === undefined || !Number.isFinite(now)) return;
    const clock = this.clocks.get(key);
    if (clock instanceof HeaderClock) clock.see(now);
    else if (clock === undefined) this.clocks.set(key, new HeaderClock(now));
  }

  /** The clock a request is judged on: its run's (x-sim-clock), else its workflow's, else the default. */
  private requestClock(req: IncomingMessage, route: Route): { clock: Clock; clockKey: string } {
    const key = header(req, CLOCK_HEADER);
    const registered = key === undefined ? undefined : this.clocks.get(key);
    if (registered) return { clock: registered, clockKey: key! };
    const workflowId =
      route.operation === 'getWorkflow' ? route.workflowId : route.operation === 'getBlob' ? /^(.+)-blob-\d+$/.exec(route.blobId)?.[1] : undefined;
    const workflow = workflowId === undefined ? undefined : this.workflows.get(workflowId);
    if (workflow) return { clock: workflow.clock, clockKey: key ?? workflow.id };
    return { clock: this.options.clock ?? systemClock, clockKey: key ?? 'default' };
  }

  private render(workflow: SimulatedWorkflow): SimulatedWorkflowDocument {
    return renderWorkflow(workflow, { baseUrl: this.baseUrl, progressFields: this.options.progressFields ?? true }, workflow.clock.now());
  }

  private authenticate(req: IncomingMessage): { ownerKey: string } | Reply {
    const authorization = header(req, 'authorization');
    const token = authorization === undefined ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
    if (token === undefined) {
      return withHeaders(problem(401, 'Unauthorized', 'Missing bearer token: send the header "Authorization: Bearer <api token>"'), { 'www-authenticate': 'Bearer' });
    }
    if (this.options.expectedToken !== undefined && token !== this.options.expectedToken) {
      return withHeaders(problem(401, 'Unauthorized', 'The bearer token is not the one this simulator expects; send the configured API token'), {
        'www-authenticate': 'Bearer error="invalid_token"',
      });
    }
    return { ownerKey: createHash('sha256').update(token).digest('hex').slice(0, 32) };
  }

  /** Answers a fault that stands in for the request: no effect took place. */
  private async deliverFault(req: IncomingMessage, res: ServerResponse, fault: Fault): Promise<Delivery> {
    switch (fault.kind) {
      case 'rateLimited':
        return this.deliver(
          req,
          res,
          withHeaders(problem(429, 'Too Many Requests', `Rate limit reached; retry after ${fault.retryAfterSeconds} seconds`), {
            'retry-after': String(fault.retryAfterSeconds),
          }),
          undefined,
        );
      case 'unavailable': {
        const reply = problem(503, 'Service Unavailable', 'The service is temporarily unavailable; retry later');
        return this.deliver(req, res, fault.retryAfterSeconds === undefined ? reply : withHeaders(reply, { 'retry-after': String(fault.retryAfterSeconds) }), undefined);
      }
      case 'serverError':
        return this.deliver(req, res, problem(500, 'Internal Server Error', 'Simulated server error'), undefined);
      case 'connectionReset':
        return this.reset(req);
      case 'slow':
      case 'malformedJson':
        throw new Error(`fault ${fault.kind} needs the real reply`);
    }
  }

  /** Writes `reply`, altered by a post-effect fault; returns what the client got. */
  private async deliver(req: IncomingMessage, res: ServerResponse, reply: Reply, fault: Fault | undefined): Promise<Delivery> {
    if (fault?.kind === 'connectionReset') return this.reset(req);
    if (fault?.kind === 'slow') await this.delay(fault.delayMs);
    let written: boolean;
    if (fault?.kind === 'malformedJson') {
      const text = JSON.stringify(reply.body);
      written = writeText(res, reply.status, text.slice(0, Math.max(1, Math.floor(text.length / 2))), contentType(reply), reply.headers);
    } else {
      written = writeReply(res, reply);
    }
    const delivery: Delivery = written ? reply.status : 'clientClosed';
    this.tally.answered(delivery);
    return delivery;
  }

  private reset(req: IncomingMessage): Delivery {
    req.socket.destroy();
    this.tally.answered('reset');
    return 'reset';
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const pending = {
        timer: setTimeout(() => {
          this.pendingDelays.delete(pending);
          resolve();
        }, ms),
        resolve,
      };
      this.pendingDelays.add(pending);
    });
  }

  private internalError(res: ServerResponse, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (!res.headersSent && !res.destroyed) writeReply(res, problem(500, 'Internal Server Error', `Simulator bug: ${message}`));
    this.tally.answered(500);
  }
}

/** A run's time as its latest request said it; it never goes backwards. */
class HeaderClock implements Clock {
  constructor(private current: number) {}

  now(): number {
    return this.current;
  }

  see(ms: number): void {
    this.current = Math.max(this.current, ms);
  }
}

function isPreEffect(fault: Fault): boolean {
  return PRE_EFFECT_FAULTS.has(fault.kind) || (fault.kind === 'connectionReset' && !fault.afterEffect);
}

function matchRoute(method: string, path: string): Route {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
  if (trimmed === WORKFLOWS_PATH) return method === 'POST' ? { operation: 'submitWorkflow' } : { operation: 'unknown', status: 405 };
  const workflowMatch = new RegExp(`^${WORKFLOWS_PATH}/([^/]+)$`).exec(trimmed);
  if (workflowMatch) {
    return method === 'GET' ? { operation: 'getWorkflow', workflowId: safeDecode(workflowMatch[1]!) } : { operation: 'unknown', status: 405 };
  }
  const blobMatch = new RegExp(`^${BLOBS_PATH}/([^/]+)$`).exec(trimmed);
  if (blobMatch && method === 'GET') return { operation: 'getBlob', blobId: safeDecode(blobMatch[1]!) };
  return { operation: 'unknown', status: 404 };
}

/** A malformed escape is left as written: the lookup then misses and the client gets a 404, not a 500. */
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

interface ValidTemplate {
  template: WorkflowTemplate;
  input: SubmittedImageGenInput;
  stepName: string;
  externalId?: string;
}

/** Light validation: enough to catch a request the real API would refuse for a reason a compiler bug could cause. */
function validateTemplate(parsed: unknown): ValidTemplate | Reply {
  const invalid = (field: string, message: string): Reply => {
    const reply = problem(400, 'Bad Request', `${field}: ${message}`);
    (reply.body as Record<string, unknown>).errors = { [field]: [message] };
    return reply;
  };
  if (!isRecord(parsed)) return invalid('body', 'must be a JSON object (a workflow template with a "steps" array)');
  const steps = parsed.steps;
  if (!Array.isArray(steps) || steps.length === 0) return invalid('steps', 'must be a non-empty array of step templates');
  const step: unknown = steps[0];
  if (!isRecord(step)) return invalid('steps[0]', 'must be an object with "$type" and "input"');
  if (step.$type !== 'imageGen') return invalid('steps[0].$type', `must be "imageGen" (the only step type simulated), got ${JSON.stringify(step.$type) ?? 'nothing'}`);
  const input = step.input;
  if (!isRecord(input)) return invalid('steps[0].input', 'must be an object with at least "engine" and "prompt"');
  if (typeof input.prompt !== 'string' || input.prompt.trim() === '') return invalid('steps[0].input.prompt', 'is required: a non-empty string');
  if (typeof input.engine !== 'string' || input.engine.trim() === '') return invalid('steps[0].input.engine', 'is required: a non-empty string');
  const quantity = input.quantity;
  if (quantity !== undefined && quantity !== null && !(Number.isInteger(quantity) && (quantity as number) >= 1 && (quantity as number) <= MAX_QUANTITY)) {
    return invalid('steps[0].input.quantity', `must be a whole number from 1 to ${MAX_QUANTITY}, or left out, got ${JSON.stringify(quantity)}`);
  }
  for (const dimension of ['width', 'height'] as const) {
    const value = input[dimension];
    if (value !== undefined && value !== null && !(Number.isInteger(value) && (value as number) > 0)) {
      return invalid(`steps[0].input.${dimension}`, `must be a positive whole number of pixels, or left out, got ${JSON.stringify(value)}`);
    }
  }
  const callbacks = parsed.callbacks;
  if (callbacks !== undefined && callbacks !== null) {
    const valid =
      Array.isArray(callbacks) &&
      callbacks.every((c: unknown) => isRecord(c) && typeof c.url === 'string' && Array.isArray(c.type) && c.type.every((t: unknown) => typeof t === 'string'));
    if (!valid) return invalid('callbacks', 'must be a list of { url: string, type: ["workflow:succeeded", ...], detailed?: boolean }');
  }
  const externalId = parsed.externalId;
  if (externalId !== undefined && externalId !== null && (typeof externalId !== 'string' || !EXTERNAL_ID_PATTERN.test(externalId))) {
    return invalid('externalId', 'must be 1 to 128 characters of A-Z, a-z, 0-9, "_" or "-"');
  }
  return {
    template: parsed as WorkflowTemplate,
    input: input as SubmittedImageGenInput,
    stepName: typeof step.name === 'string' && step.name !== '' ? step.name : '$0',
    ...(typeof externalId === 'string' ? { externalId } : {}),
  };
}

function problem(status: number, title: string, detail: string): Reply {
  return { status, problem: true, body: { type: `https://httpstatuses.io/${status}`, title, status, detail } };
}

function withHeaders(reply: Reply, headers: Record<string, string>): Reply {
  return { ...reply, headers: { ...reply.headers, ...headers } };
}

function contentType(reply: Reply): string {
  return reply.problem ? 'application/problem+json; charset=utf-8' : 'application/json; charset=utf-8';
}

function writeReply(res: ServerResponse, reply: Reply): boolean {
  return writeText(res, reply.status, JSON.stringify(reply.body), contentType(reply), reply.headers);
}

/** False when the client had already gone (timed out while the answer was held back). */
function writeText(res: ServerResponse, status: number, text: string, type: string, headers: Record<string, string> | undefined): boolean {
  if (res.destroyed || res.writableEnded) return false;
  res.writeHead(status, { ...headers, 'content-type': type, 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
  return true;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The body as text, or undefined when it is larger than the simulator accepts. */
async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A 1x1 transparent PNG: blob URLs answer with a real image so a person can open them. */
const PLACEHOLDER_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);

export { DEFAULT_JOB_PLAN, type JobPlan, type JobPlanOverride };
export type { CallbackDelivery, CallbackRecord };
