/**
 * The slice of the Amazon States Language (JSONPath query language) the compiler emits.
 * Kept as plain types so the definition can be printed, validated and run locally as it is deployed.
 */

export interface AslRetrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'FULL' | 'NONE';
}

export interface AslCatcher {
  ErrorEquals: string[];
  /** null: the state's input passes on unchanged. */
  ResultPath?: string | null;
  Next: string;
}

export interface AslChoiceRule {
  Variable: string;
  StringEquals: string;
  Next: string;
  Comment?: string;
}

export type AslState =
  | { Type: 'Pass'; Comment?: string; Parameters?: Record<string, unknown>; Next?: string; End?: boolean }
  | {
      Type: 'Task';
      Comment?: string;
      Resource: string;
      Parameters: Record<string, unknown>;
      ResultSelector?: Record<string, unknown>;
      ResultPath?: string | null;
      OutputPath?: string;
      TimeoutSeconds?: number;
      /** Whole seconds read from the state (a wake-up wait's bound). */
      TimeoutSecondsPath?: string;
      Retry?: AslRetrier[];
      Catch?: AslCatcher[];
      Next: string;
    }
  | { Type: 'Choice'; Comment?: string; Choices: AslChoiceRule[]; Default: string }
  | { Type: 'Wait'; Comment?: string; SecondsPath: string; Next: string }
  | { Type: 'Succeed'; Comment?: string; OutputPath?: string }
  | { Type: 'Fail'; Comment?: string; Error?: string; ErrorPath?: string; Cause?: string; CausePath?: string }
  | { Type: 'Parallel'; Comment?: string; Branches: AslBranch[]; ResultPath?: string; Next: string };

/** A branch of a Parallel state: a state machine of its own, whose states only reach each other. */
export interface AslBranch {
  StartAt: string;
  States: Record<string, AslState>;
}

export interface AslDefinition {
  Comment?: string;
  StartAt: string;
  TimeoutSeconds?: number;
  States: Record<string, AslState>;
}

/** Step Functions rejects state names longer than 80 characters. */
export const MAX_STATE_NAME_LENGTH = 80;

/** Every state of a States map, with those inside Parallel branches (state names are unique in a definition). */
export function everyState(states: Record<string, AslState>): Array<[string, AslState]> {
  return Object.entries(states).flatMap(([name, state]): Array<[string, AslState]> => [
    [name, state],
    ...(state.Type === 'Parallel' ? state.Branches.flatMap((branch) => everyState(branch.States)) : []),
  ]);
}
