import { planDigest, planOrigin, type DeployedPlans } from '../../lib/compile/plan-digests.ts';
import type { StepPlan } from '../../lib/compile/step-plan.ts';

/**
 * What a deployment carrying exactly these plans (JSON text, as a Task's Payload holds it) lets the step
 * runner run. Tests of hand-written plans use it the way the construct bakes in a definition's plans.
 */
export function deployedFor(...plans: Array<StepPlan | string>): DeployedPlans {
  const texts = plans.map((plan) => (typeof plan === 'string' ? plan : JSON.stringify(plan)));
  const origins = texts.flatMap((text) => {
    try {
      return [planOrigin(text)];
    } catch {
      return [];
    }
  });
  return { digests: texts.map(planDigest), origins: [...new Set(origins)] };
}
