// GET /dashboard: the business's home page (dashboard-view.ts), in its time zone.
import type { FastifyInstance } from 'fastify';
import type { ConsolePageDeps } from './console-services.js';
import { dashboardContent } from './dashboard-view.js';
import { dashboardWindow } from './dashboard-window.js';
import { html } from './html.js';
import { renderPage } from './layout.js';
import { sendPage } from './page-reply.js';
import { staffChrome, staffPage } from './page-session.js';

export function registerDashboardPage(scope: FastifyInstance, deps: ConsolePageDeps): void {
  scope.get('/dashboard', async (request, reply) => {
    const signedIn = await staffPage(request, reply, deps);
    if (!signedIn) return reply;
    const { context, services } = signedIn;
    const dashboard = await services.staff.dashboard.dashboard(dashboardWindow(context.business.id, context.business.timezone, deps.now()));
    return sendPage(
      reply,
      200,
      renderPage({ title: 'Dashboard', page: 'dashboard', ...staffChrome(context, 'dashboard') }, html`<h1>Dashboard</h1>
${dashboardContent(dashboard)}`),
    );
  });
}
