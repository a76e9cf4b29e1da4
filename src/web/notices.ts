/**
 * What an action says once done, by key: a form's answer redirects to the page it came from
 * (its filter and page kept) with `?notice=KEY`, and the page shows the text. Only keys listed
 * here show anything, so a link cannot make a page say what it likes.
 */
export const NOTICES = {
  'session-ended': 'Session ended. Its agent gets no new token.',
  'session-revoked': 'Session revoked. Its agent gets no new token.',
  'integration-created': 'Integration created.',
  'integration-saved': 'Integration saved.',
  'integration-deleted': 'Integration deleted.',
  'access-granted': 'Access granted: the content may use this integration.',
  'access-withdrawn': 'Access withdrawn: the content gets no more credentials through this integration.',
  'roles-saved': 'Roles saved.',
  'user-unbound': 'The user is no longer bound to an IdP identity: their next sign-in binds them again.',
  'user-deleted': 'User deleted; their active sessions were revoked.',
  'key-rotated': 'A new signing key was created. It is published now and starts signing once verifiers have had time to fetch it.',
  'key-rotated-immediately': 'A new signing key was created and signs from now on. Verifiers holding a cached JWKS may refuse its tokens until their cache expires.',
  'action-cancelled': 'Nothing was changed.',
} as const;

export type NoticeKey = keyof typeof NOTICES;

/** The notice for a `?notice=` value, or undefined for anything not in the catalogue. */
export function noticeText(key: string | undefined): string | undefined {
  return key !== undefined && Object.hasOwn(NOTICES, key) ? NOTICES[key as NoticeKey] : undefined;
}
