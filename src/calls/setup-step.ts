// The steps of a call's setup, and how a step's failure is told apart from the
// end of the call requested while the step ran.
import { describeError } from '../errors.js';

/**
 * Inbound: in the order they run (the answer last, once the media path is ready);
 * route_to_person, originate and amd belong to other paths (the AI share, outbound);
 * then the failures of no one step.
 */
export type SetupStep =
  | 'route_lookup'
  | 'route_to_person'
  | 'originate'
  | 'amd'
  | 'bridge'
  | 'media_session'
  | 'external_media'
  | 'media_remote'
  | 'bridge_channels'
  | 'answer'
  | 'database'
  | 'setup_timeout';

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
