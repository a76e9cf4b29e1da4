import { RoleportError, randomId, sha256Hex, type Clock, type EventSink } from '../core/index.ts';
import type { Sealer } from '../secrets/index.ts';
import type { ContentHandoffCodeRepository } from '../store/index.ts';

export interface ContentHandoffDeps {
  repository: ContentHandoffCodeRepository;
  sealer: Sealer;
  clock: Clock;
  events: EventSink;
  settings: {
    /** Lifetime of a hand-off code: one redirect, so seconds. */
    handoffCodeTtlSeconds: number;
    /** Lifetime of the content origin's viewer cookie (it also ends with the broker sign-in). */
    viewerSessionTtlSeconds: number;
  };
}

/** Who views a content item on the content origin: what its cookie holds, sealed. */
export interface ContentViewer {
  userName: string;
  /** The broker browser session it came from: signing out there ends it here. */
  browserSessionId: string;
  contentGuid: string;
  /** Epoch ms. */
  expiresAt: number;
}

/** The content origin's side of a hand-off in progress, in a cookie bound to the browser. */
export interface HandoffStart {
  /** Sent to the broker and back; must match the cookie. */
  state: string;
  /** The sealed transaction for the cookie. */
  transaction: string;
  maxAgeSeconds: number;
}

export interface HandoffTransaction {
  state: string;
  contentGuid: string;
  /** The path of the content the viewer asked for, to go back to. */
  returnTo: string;
  expiresAt: number;
}

export interface IssueHandoffOptions {
  userName: string;
  browserSessionId: string;
  contentGuid: string;
  /** The content origin the code is for. */
  audience: string;
}

/** Ten minutes: enough for the broker's sign-in and the integrations' consent in between. */
const TRANSACTION_TTL_SECONDS = 600;
const VIEWER_DATA = 'content:viewer';
const TRANSACTION_DATA = 'content:handoff-transaction';

/**
 * How a viewer's identity crosses from the broker's origin to the content origin, which
 * shares no cookie with it — the authorization code pattern (RFC 6749 §4.1):
 *
 * 1. The content origin, finding no viewer cookie for the content, keeps a random `state`
 *    and the requested path in a sealed cookie of its own and sends the browser to the broker.
 * 2. The broker, where the viewer is signed in, issues a one-time code bound to the viewer,
 *    their browser session, the content and the content origin (the audience), valid
 *    `handoffCodeTtlSeconds`, stored by hash, and redirects back with it and the `state`.
 * 3. The content origin checks `state` against its cookie, redeems the code (deleted as it
 *    is read: single use) for exactly this content and this origin, and sets its own sealed,
 *    HttpOnly viewer cookie, scoped to the content's path on the content host.
 *
 * Every request then reopens the cookie and checks that the broker sign-in still holds.
 */
export function createContentHandoff(deps: ContentHandoffDeps) {
  const { clock, sealer, settings } = deps;
  const refused = (): RoleportError => new RoleportError('ERR_GRANT_INVALID', 'the sign-in link for this content is invalid, expired or already used; open the content again');

  return {
    /** Step 2, on the broker's origin. */
    async issueCode(options: IssueHandoffOptions): Promise<string> {
      const code = randomId(32);
      const now = clock.now();
      await deps.repository.insert({
        code_hash: sha256Hex(code),
        user_name: options.userName,
        browser_session_id: options.browserSessionId,
        content_guid: options.contentGuid,
        audience: options.audience,
        created_at: now,
        expires_at: now + settings.handoffCodeTtlSeconds * 1000,
      });
      return code;
    },

    /** Step 3, on the content origin: the viewer the code was issued to, once, for this content and origin only. */
    async redeemCode(options: { code: string; contentGuid: string; audience: string }): Promise<ContentViewer> {
      const row = await deps.repository.take(sha256Hex(options.code));
      const now = clock.now();
      if (row === undefined || row.expires_at <= now || row.content_guid !== options.contentGuid || row.audience !== options.audience) throw refused();
      // The content origin's viewer cookie is set only once this row is committed.
      await deps.events.commit({ type: 'content.viewer_signed_in', actor: row.user_name, occurredAt: now, userName: row.user_name, details: { content_guid: row.content_guid } });
      return { userName: row.user_name, browserSessionId: row.browser_session_id, contentGuid: row.content_guid, expiresAt: now + settings.viewerSessionTtlSeconds * 1000 };
    },

    /** Step 1, on the content origin. */
    startTransaction(contentGuid: string, returnTo: string): HandoffStart {
      const state = randomId(16);
      const transaction: HandoffTransaction = { state, contentGuid, returnTo, expiresAt: clock.now() + TRANSACTION_TTL_SECONDS * 1000 };
      return { state, transaction: sealer.seal(JSON.stringify(transaction), TRANSACTION_DATA), maxAgeSeconds: TRANSACTION_TTL_SECONDS };
    },

    /** The transaction of step 1, if the cookie is ours, unexpired, for this content and this `state`. */
    openTransaction(sealed: string | undefined, contentGuid: string, state: string | undefined): HandoffTransaction {
      const transaction = openSealed<HandoffTransaction>(sealer, sealed, TRANSACTION_DATA);
      if (transaction === undefined || transaction.contentGuid !== contentGuid || transaction.state !== state || transaction.expiresAt <= clock.now()) {
        throw new RoleportError('ERR_SSO_STATE', 'this sign-in to the content was not started in this browser, or took too long; open the content again');
      }
      return transaction;
    },

    sealViewer(viewer: ContentViewer): string {
      return sealer.seal(JSON.stringify(viewer), `${VIEWER_DATA}:${viewer.contentGuid}`);
    },

    /** The viewer of this content item, or undefined for a missing, foreign, tampered or expired cookie. */
    openViewer(sealed: string | undefined, contentGuid: string): ContentViewer | undefined {
      // The content guid is in the associated data: a cookie of one content item opens for no other.
      const viewer = openSealed<ContentViewer>(sealer, sealed, `${VIEWER_DATA}:${contentGuid}`);
      return viewer !== undefined && viewer.contentGuid === contentGuid && viewer.expiresAt > clock.now() ? viewer : undefined;
    },
  };
}

export type ContentHandoff = ReturnType<typeof createContentHandoff>;

function openSealed<T>(sealer: Sealer, sealed: string | undefined, associatedData: string): T | undefined {
  if (sealed === undefined || sealed.length === 0 || sealed.length > 4096) return undefined;
  try {
    const value: unknown = JSON.parse(sealer.openText(sealed, associatedData));
    return typeof value === 'object' && value !== null ? (value as T) : undefined;
  } catch {
    return undefined;
  }
}
