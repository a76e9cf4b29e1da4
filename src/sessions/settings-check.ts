import { RoleportError, type Logger } from '../core/index.ts';
import { subjectTemplateBinding } from '../issuer/index.ts';

export interface SessionClaimSettings {
  /** `tokens.subjectTemplate`. */
  subjectTemplate: string;
  /** `sessions.audiences` as configured. */
  audiences: readonly string[];
  /** `integrations.contentTokenAudience`, never available to sessions. */
  contentAudience: string;
  /** Where the configuration came from, for the message. */
  source: string;
}

/**
 * The session-token settings that decide what AWS can check, at start-up: a subject template
 * whose role part a pattern cannot pin is refused; one without a role part (tokens good for
 * every role that trusts the user) is a warning; the content audience listed for sessions, a
 * warning that it stays unavailable.
 */
export function checkSessionClaimSettings(settings: SessionClaimSettings, logger: Logger): void {
  const binding = subjectTemplateBinding(settings.subjectTemplate);
  if (binding.kind === 'invalid') throw new RoleportError('ERR_CONFIG_INVALID', `tokens.subjectTemplate: ${settings.subjectTemplate} ${binding.problem} (in ${settings.source})`);
  if (binding.kind === 'unbound') {
    logger.warn(
      { subjectTemplate: settings.subjectTemplate },
      'tokens.subjectTemplate names no role ({account_id}, {role_name}): a session token works for every role whose trust policy accepts its user, not only the roles of its session',
    );
  }
  if (settings.audiences.includes(settings.contentAudience)) {
    logger.warn({ audience: settings.contentAudience }, 'sessions.audiences lists integrations.contentTokenAudience; sessions never get tokens for it');
  }
}
