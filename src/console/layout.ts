// The frame every console page shares: head (one stylesheet, one deferred
// module script), a skip link, the header with the business, the navigation
// and the sign-out form, and the page's <main>.
import { html, htmlText, type Html } from './html.js';

export const PRODUCT_NAME = 'Phone agent';

export type StaffSection = 'dashboard' | 'calls' | 'messages' | 'live' | 'team' | 'integrations' | 'audit' | 'settings' | 'account';

export interface StaffChrome {
  displayName: string;
  businessName: string;
  /** Managers also see the team, the integrations, the audit log and the settings. */
  role: 'staff' | 'manager';
  /** The session's CSRF token, for the sign-out form. */
  csrfToken: string;
  current: StaffSection | null;
}

export type OperatorSection = 'platform' | 'dashboard' | 'audit';

export interface OperatorChrome {
  csrfToken: string;
  current?: OperatorSection;
}

export interface PageChrome {
  title: string;
  /** Names the page for app.js (body data-page). */
  page: string;
  staff?: StaffChrome;
  operator?: OperatorChrome;
}

function navLink(href: string, label: string, current: boolean): Html {
  return html`<li><a href="${href}"${current ? html` aria-current="page"` : ''}>${label}</a></li>`;
}

const STAFF_LINKS: readonly [StaffSection, string, string][] = [
  ['dashboard', '/dashboard', 'Dashboard'],
  ['calls', '/calls', 'Calls'],
  ['messages', '/messages', 'Messages'],
  ['live', '/live', 'Live'],
];
const MANAGER_LINKS: readonly [StaffSection, string, string][] = [
  ['team', '/team', 'Team'],
  ['integrations', '/integrations', 'Integrations'],
  ['audit', '/audit', 'Audit log'],
  ['settings', '/settings', 'Settings'],
];

function staffHeader(staff: StaffChrome): Html {
  const links = staff.role === 'manager' ? [...STAFF_LINKS, ...MANAGER_LINKS] : STAFF_LINKS;
  return html`<nav aria-label="Main">
      <ul>${links.map(([section, href, label]) => navLink(href, label, staff.current === section))}</ul>
    </nav>
    <form class="sign-out" method="post" action="/logout">
      <input type="hidden" name="csrf" value="${staff.csrfToken}">
      <a class="who" href="/account"${staff.current === 'account' ? html` aria-current="page"` : ''}>${staff.displayName}</a>
      <button type="submit">Sign out</button>
    </form>`;
}

function operatorHeader(operator: OperatorChrome): Html {
  const current = operator.current ?? 'platform';
  return html`<nav aria-label="Main"><ul>${navLink('/operator', 'Platform', current === 'platform')}${navLink('/operator/dashboard', 'Dashboard', current === 'dashboard')}${navLink('/operator/audit', 'Audit log', current === 'audit')}</ul></nav>
    <form class="sign-out" method="post" action="/operator/logout">
      <input type="hidden" name="csrf" value="${operator.csrfToken}">
      <button type="submit">Sign out</button>
    </form>`;
}

export function renderPage(chrome: PageChrome, main: Html): string {
  const business = chrome.staff ? html` <span class="business">${chrome.staff.businessName}</span>` : chrome.operator ? html` <span class="business">Operator</span>` : '';
  const header = chrome.staff ? staffHeader(chrome.staff) : chrome.operator ? operatorHeader(chrome.operator) : '';
  return htmlText(html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${chrome.title} · ${PRODUCT_NAME}</title>
<link rel="icon" href="/console/assets/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/console/assets/console.css">
<script type="module" src="/console/assets/app.js"></script>
</head>
<body data-page="${chrome.page}">
<a class="skip-link" href="#main">Skip to content</a>
<header class="site-header">
  <div class="bar">
    <p class="brand"><span class="product">${PRODUCT_NAME}</span>${business}</p>
    ${header}
  </div>
</header>
<main id="main" tabindex="-1">
${main}
</main>
</body>
</html>
`);
}

/** A page that says what went wrong, in the same frame. */
export function renderErrorPage(options: { title: string; message: string; chrome?: Omit<PageChrome, 'title' | 'page'> }): string {
  const home = options.chrome?.operator ? '/operator' : '/dashboard';
  return renderPage(
    { ...options.chrome, title: options.title, page: 'error' },
    html`<h1>${options.title}</h1>
<p>${options.message}</p>
<p><a href="${home}">Back to the start</a></p>`,
  );
}
