import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';

/**
 * Synthesizes what `build` adds to a fresh app with cdk-nag's AwsSolutions pack as a validation plugin, the way
 * bin/app.ts runs it, and returns the failure and report text: empty when nothing is unacknowledged.
 */
export function unacknowledgedNagFindings(build: (app: App) => void): string {
  const outdir = mkdtempSync(path.join(tmpdir(), 'arazzo-nag-'));
  try {
    const app = new App({ outdir });
    build(app);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    let failure: unknown;
    try {
      app.synth();
    } catch (error) {
      failure = error;
    }
    const reportFile = path.join(outdir, 'validation-report.json');
    const report = existsSync(reportFile) ? readFileSync(reportFile, 'utf8') : '';
    return failure === undefined ? '' : `${String(failure)}\n${report}`;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
