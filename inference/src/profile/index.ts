import type { AnalyzerContext } from '../analyzers/contract.ts';
import { NO_PROFILE, type Profile } from './profile.ts';

export { createProfile, formatProfile, NO_PROFILE, PROFILE_STAGES } from './profile.ts';
export type { KnownStage, Profile, ProfileReport, StageRow } from './profile.ts';

/** The runtime's profile an analyzer charges its stages to (the 'profile' service), or none. */
export function profileOf(ctx: Pick<AnalyzerContext, 'service'>): Profile {
  try {
    return ctx.service<Profile>('profile');
  } catch {
    return NO_PROFILE;
  }
}
