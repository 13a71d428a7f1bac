// The steps of a call's setup, and how a step's failure is told apart from the
// end of the call requested while the step ran.
import { describeError } from '../errors.js';

export type SetupStep =
  | 'route_lookup'
  | 'route_to_person'
  | 'originate'
  | 'amd'
  | 'answer'
  | 'bridge'
  | 'media_session'
  | 'external_media'
  | 'media_remote'
  | 'bridge_channels'
  | 'database';

/** A setup step failed; the message (stored in `error`) starts with the step. */
export class StepError extends Error {
  constructor(
    readonly step: SetupStep,
    readonly original: unknown,
  ) {
    super(`${step}: ${describeError(original)}`);
  }
}

/** The end of the call was requested: the setup stops at its next step boundary. */
export class EndRequested extends Error {}
