import { actionForm, errorSummary, field, type FieldErrors } from './components.ts';
import { relativeTime, roleLabel } from './format.ts';
import { html, type SafeHtml } from './html.ts';
import { renderPage, type SignedInPage } from './layout.ts';

/** A user as the admin pages show them. */
export interface UserRowView {
  username: string;
  displayName: string | null;
  email: string | null;
  groups: readonly string[];
  roles: ReadonlyArray<{ arn: string; source: 'claim' | 'cli' }>;
  /** The IdP identity the user is bound to, or null before the first sign-in (or after an unbind). */
  idpIssuer: string | null;
  subject: string | null;
  admin: boolean;
  createdAt: number;
  createdBy: string;
  lastSignInAt: number | null;
}

/** What the role form shows again after a refused save. */
export interface RoleFormValues {
  username: string;
  arns: string;
}

export interface UsersPageView {
  page: SignedInPage;
  users: readonly UserRowView[];
  now: number;
  roleClaim: string;
  /** The "assign roles" form after a refused save. */
  values?: RoleFormValues | undefined;
  errors?: FieldErrors | undefined;
}

export interface UserPageView {
  page: SignedInPage;
  user: UserRowView;
  now: number;
  roleClaim: string;
  values?: RoleFormValues | undefined;
  errors?: FieldErrors | undefined;
}

/** Labels of the role form's fields (errors name them). */
export const ROLE_FORM_LABELS = { username: 'Username', 'role-arns': 'Role ARNs' } as const;

/** Every user, their roles and where each came from, their last sign-in; and a form to assign roles. */
export function renderUsersPage(view: UsersPageView): string {
  const body = html`<h1>Users and roles</h1>
<p class="lead">Users appear at their first sign-in, or when an admin assigns them roles. Roles come from the identity provider's <code>${view.roleClaim}</code> claim, which replaces all others at each sign-in, or from an admin (here or <code>roleport users set-aws-role-arns</code>), kept while the IdP sends no such claim.</p>
${
  view.users.length === 0
    ? html`<p class="muted" id="no-users">No users yet.</p>`
    : html`<div class="table-scroll"><table id="users">
<caption class="sr-only">Users, by name</caption>
<thead><tr><th scope="col">User</th><th scope="col">Roles (source)</th><th scope="col">Last sign-in</th><th scope="col">Identity provider</th></tr></thead>
<tbody>
${view.users.map(
  (user) => html`<tr class="user" data-username="${user.username}">
<th scope="row"><a href="/admin/users/${encodeURIComponent(user.username)}">${user.username}</a>${user.admin ? html` <span class="badge">admin</span>` : ''}${
    user.displayName === null && user.email === null ? '' : html`<span class="hint">${[user.displayName, user.email].filter((part) => part !== null).join(' · ')}</span>`
  }</th>
<td class="user-roles">${roleList(user.roles)}</td>
<td class="user-last-sign-in nowrap">${user.lastSignInAt === null ? html`<span class="muted">never</span>` : relativeTime(user.lastSignInAt, view.now)}</td>
<td>${user.subject === null ? html`<span class="muted">not bound</span>` : html`<span title="${user.idpIssuer ?? ''}">bound</span>`}</td>
</tr>`,
)}
</tbody>
</table></div>`
}
<h2 id="assign">Assign roles to a user</h2>
<p>Replaces the user's roles with these (source: admin). A user who never signed in is created and gets them at their first sign-in, unless the IdP sends roles in the claim.</p>
${errorSummary(view.errors ?? {}, ROLE_FORM_LABELS)}
<form method="post" action="/admin/users" id="assign-roles-form">
<input type="hidden" name="csrf" value="${view.page.user.csrfToken}">
${field({ id: 'username', name: 'username', label: 'Username', value: view.values?.username ?? '', errors: view.errors, required: true, attributes: html` maxlength="255" autocomplete="off"` })}
${roleArnsField(view.values?.arns ?? '', view.errors)}
<button type="submit" id="assign-roles">Save roles</button>
</form>`;
  return renderPage(view.page, { title: 'Users and roles', body });
}

/** One user: profile, roles with sources, binding; set roles, unbind, delete. */
export function renderUserPage(view: UserPageView): string {
  const { user } = view;
  const back = `/admin/users/${encodeURIComponent(user.username)}`;
  const cliRoles = user.roles.filter((role) => role.source === 'cli').map((role) => role.arn);
  const claimRoles = user.roles.some((role) => role.source === 'claim');
  const body = html`<h1>User <span id="user-name">${user.username}</span>${user.admin ? html` <span class="badge">admin</span>` : ''}</h1>
<dl id="user-profile">
${user.displayName === null ? '' : html`<dt>Name</dt><dd>${user.displayName}</dd>`}
${user.email === null ? '' : html`<dt>Email</dt><dd>${user.email}</dd>`}
<dt>Groups</dt><dd>${user.groups.length === 0 ? html`<span class="muted">none</span>` : user.groups.join(', ')}</dd>
<dt>Roles</dt><dd id="user-roles">${roleList(user.roles)}</dd>
<dt>Last sign-in</dt><dd>${user.lastSignInAt === null ? html`<span class="muted">never</span>` : relativeTime(user.lastSignInAt, view.now)}</dd>
<dt>Identity provider</dt><dd id="user-binding">${
    user.subject === null ? html`<span class="muted">not bound: the next sign-in with this username binds it</span>` : html`<code>${user.subject}</code> at <code>${user.idpIssuer ?? ''}</code>`
  }</dd>
<dt>Created</dt><dd>${relativeTime(user.createdAt, view.now)} by ${user.createdBy}</dd>
</dl>
<h2>Set roles</h2>
${claimRoles ? html`<p class="notice" id="claim-roles-note">This user's roles come from the identity provider's <code>${view.roleClaim}</code> claim: roles saved here replace them now, and the claim replaces these again at the user's next sign-in.</p>` : ''}
${errorSummary(view.errors ?? {}, ROLE_FORM_LABELS)}
<form method="post" action="/admin/users" id="set-roles-form">
<input type="hidden" name="csrf" value="${view.page.user.csrfToken}">
<input type="hidden" name="username" value="${user.username}">
${roleArnsField(view.values?.arns ?? cliRoles.join('\n'), view.errors)}
<button type="submit" id="save-roles">Save roles</button>
</form>
<h2>Identity and account</h2>
<p>Unbind when the identity provider changed its issuer or the user's subject, and their sign-in is refused as "belongs to another identity". Delete removes the user, their roles and browser sign-ins, and revokes their active sessions.</p>
<p class="actions">${
    user.subject === null
      ? ''
      : actionForm({
          action: `/admin/users/${encodeURIComponent(user.username)}/unbind`,
          csrf: view.page.user.csrfToken,
          label: 'Unbind from the IdP identity',
          id: 'unbind-user',
          confirm: `Unbind ${user.username} from ${user.subject}? Whoever next signs in with the username ${user.username} becomes this user.`,
          returnTo: back,
        })
  } ${actionForm({
    action: `/admin/users/${encodeURIComponent(user.username)}/delete`,
    csrf: view.page.user.csrfToken,
    label: 'Delete user',
    id: 'delete-user',
    confirm: `Delete ${user.username}? Their roles and sign-ins go and their active sessions are revoked.`,
    returnTo: '/admin/users',
    danger: true,
  })}</p>`;
  return renderPage(view.page, { title: `User ${user.username}`, body });
}

function roleArnsField(value: string, errors: FieldErrors | undefined): SafeHtml {
  return field({
    id: 'role-arns',
    name: 'role_arns',
    label: 'Role ARNs',
    value,
    errors,
    rows: 4,
    hint: html`One per line (or separated by commas), <code>arn:aws:iam::123456789012:role/NAME</code>. Empty removes every role.`,
    attributes: html` spellcheck="false"`,
  });
}

function roleList(roles: UserRowView['roles']): SafeHtml {
  if (roles.length === 0) return html`<span class="muted">none</span>`;
  return html`<ul class="role-list">${roles.map((role) => html`<li data-source="${role.source}">${roleLabel(role.arn)} <span class="badge">${role.source === 'claim' ? 'IdP claim' : 'admin'}</span></li>`)}</ul>`;
}
