/**
 * The caller → step runner boundary: whoever may invoke the function chooses the event, so the event's plan
 * is trusted only when its digest is one the deployment compiled in, and a request goes only to an origin
 * the deployment compiled in. Both checks run before the step touches a secret or the network.
 */
import { planDigest, type DeployedPlans } from '../compile/plan-digests.ts';
import { Errors } from '../compile/step-plan.ts';

/** A plan or request this deployment does not run. Step Functions does not retry it; the run ends with this name. */
export class PlanNotDeployedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = Errors.planNotDeployed;
  }
}

/** Returns the plan text's digest when the deployment runs it; throws otherwise. */
export function checkDeployedPlan(planText: unknown, deployed: DeployedPlans): string {
  if (typeof planText !== 'string') {
    throw new PlanNotDeployedError('event.plan is not a string; the step runner runs only the plans its deployment compiled in');
  }
  const digest = planDigest(planText);
  if (!deployed.digests.includes(digest)) {
    throw new PlanNotDeployedError(
      `refused a plan that this deployment did not compile in (sha256 ${digest}); the step runner runs only the plans of the ` +
        `state machines deployed with it. If this is a run started before a deploy, it invokes the version it started with`,
    );
  }
  return digest;
}

/** Throws unless `url` goes to an origin the deployment compiled in. */
export function checkDeployedOrigin(url: string, deployed: DeployedPlans): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new PlanNotDeployedError('the request URL is not an absolute URL; the step runner calls only the origins its deployment compiled in');
  }
  // Any other scheme's origin is the opaque "null", which the deployed origins hold too (join and workflow-call plans).
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new PlanNotDeployedError(`refused a request to a ${parsed.protocol} URL; the step runner calls only the http(s) origins its deployment compiled in`);
  }
  const origin = parsed.origin;
  if (!deployed.origins.includes(origin)) {
    throw new PlanNotDeployedError(`refused a request to ${origin}, an origin this deployment did not compile in (it calls ${deployed.origins.join(', ') || 'none'})`);
  }
}
