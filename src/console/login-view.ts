// The sign-in page: email and password, one generic message on failure.
import { html } from './html.js';
import { renderPage } from './layout.js';

export interface LoginView {
  /** Where to go after signing in (already checked to be local). */
  next: string | null;
  /** The email typed before (kept on failure; never the password). */
  email: string;
  error: string | null;
}

export function renderLoginPage(view: LoginView): string {
  const invalid = view.error !== null;
  const describedBy = invalid ? html` aria-describedby="login-error" aria-invalid="true"` : '';
  return renderPage(
    { title: 'Sign in', page: 'login' },
    html`<div class="narrow">
<h1>Sign in</h1>
<p class="muted">Staff of a business: see your calls, their transcripts and recordings.</p>
${invalid ? html`<p class="alert" role="alert" id="login-error">${view.error}</p>` : ''}
<form class="stack" method="post" action="/login">
  ${view.next !== null ? html`<input type="hidden" name="next" value="${view.next}">` : ''}
  <label for="email">Email</label>
  <input id="email" name="email" type="email" autocomplete="username" required maxlength="320" value="${view.email}" autofocus${describedBy}>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024"${describedBy}>
  <button type="submit">Sign in</button>
</form>
</div>`,
  );
}
