// The staff console's pages, served by the backend itself.
//
// Approach: server-rendered HTML (no framework, no build step, no client
// bundle). Every page is complete when it arrives and works without
// JavaScript: links, GET forms for filters, POST forms for signing in and
// out, and <audio controls preload="metadata"> pointing at the recording
// route, so the browser does the range requests itself. One small ES module
// (assets/app.js) adds what only a script can: the live page follows the
// server-sent events of /api/live/events, and the call list applies a filter
// as soon as a select or date changes. Why: the pages are a handful of tables
// and forms over data the backend already holds; rendering them here keeps
// one language, one deployable and no toolchain to update, pages are fast on
// any phone (a few KB, no hydration), and the strict Content-Security-Policy
// (no inline script or style at all) is easy to keep.
//
// Every dynamic value is escaped by html`` (html.ts). Data comes from the
// staff API's services, scoped to the session's business exactly as the JSON
// API is; the pages add no query that could cross businesses.
import type { FastifyPluginAsync } from 'fastify';
import { registerAccountPages } from './account-pages.js';
import { registerCallExport } from './call-export.js';
import { registerCallPages } from './call-pages.js';
import { registerDashboardPage } from './dashboard-page.js';
import { registerManagerPages } from './manager-pages.js';
import { registerMessagePages } from './message-pages.js';
import { registerTeamPages } from './team-pages.js';
import { registerDeliveryPages } from './delivery-pages.js';
import { registerToolPages } from './tool-pages.js';
import { registerWebhookPages } from './webhook-pages.js';
import type { ConsolePageDeps, ConsoleRouteDeps } from './console-services.js';
import { registerFormParser } from './form-body.js';
import { registerLivePage } from './live-page.js';
import { registerLoginRoutes } from './login-routes.js';
import { registerOperatorPages } from './operator-routes.js';
import { applySecurityHeaders, sendErrorPage } from './page-reply.js';
import { registerStaticAssets } from './static-assets.js';

const CLIENT_ERROR_TITLES: Readonly<Record<number, string>> = {
  400: 'Bad request',
  413: 'Too much data',
  415: 'Unsupported form',
};

/**
 * Registered at the root (no prefix): /, /login, /logout, /dashboard, /calls,
 * /messages, /live, /account, /team, /integrations, /audit, /settings, /operator,
 * /console/assets.
 */
export function consoleRoutes(routeDeps: ConsoleRouteDeps): FastifyPluginAsync {
  const deps: ConsolePageDeps = { ...routeDeps, now: routeDeps.now ?? (() => new Date()) };
  // eslint-disable-next-line @typescript-eslint/require-await -- fastify runs a plugin that returns no promise synchronously: a throw would escape registration
  return async (scope) => {
    registerFormParser(scope);
    scope.addHook('onSend', async (_request, reply, payload) => {
      applySecurityHeaders(reply);
      return payload;
    });
    scope.setErrorHandler((error, request, reply) => {
      const status = (error as { statusCode?: number }).statusCode;
      if (typeof status === 'number' && status >= 400 && status < 500) {
        const title = CLIENT_ERROR_TITLES[status] ?? 'Request refused';
        return sendErrorPage(reply, status, title, 'The browser sent something this page cannot take. Go back and try again.');
      }
      request.log.error({ err: error }, 'console page failed');
      return sendErrorPage(reply, 500, 'Something went wrong', 'The page could not be shown. Try again in a moment.');
    });

    registerStaticAssets(scope);
    registerLoginRoutes(scope, deps);
    registerDashboardPage(scope, deps);
    registerCallExport(scope, deps);
    registerCallPages(scope, deps);
    registerMessagePages(scope, deps);
    registerLivePage(scope, deps);
    registerAccountPages(scope, deps);
    registerTeamPages(scope, deps);
    registerManagerPages(scope, deps);
    registerWebhookPages(scope, deps);
    registerDeliveryPages(scope, deps);
    registerToolPages(scope, deps);
    registerOperatorPages(scope, deps);
  };
}
