// A manager's tools page: the business's HTTP tools and MCP servers, which
// the agent may call during calls (from the next call on after a change).
//
//   GET  /integrations/tools
//   POST /integrations/tools                 csrf, name, description, parameters, url, method, timeoutMs, enabled -> 200 (secret) | 400 | 409
//   POST /integrations/tools/:id             the same fields -> 303 | 400 | 404 | 409
//   POST /integrations/tools/:id/delete      csrf -> 303 | 404
//   POST /integrations/tools/:id/rotate      csrf -> 200 (the new secret) | 404
//   POST /integrations/tools/:id/secret      csrf -> 200 (the secret) | 404
//   POST /integrations/mcp                   csrf, name, url, token, timeoutMs, enabled -> 303 | 400 | 409
//   POST /integrations/mcp/:id               the same; an empty token keeps the stored one, removeToken drops it -> 303 | 400 | 404
//   POST /integrations/mcp/:id/delete        csrf -> 303 | 404
//
// A bearer token is never shown again once saved.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HTTP_TOOL_METHODS, TOOL_TIMEOUT_MS } from '../../media/contract/sessions.js';
import type { HttpToolInput, HttpToolView, McpServerInput, McpServerView } from '../integrations/business-tools.js';
import type { ConsolePageDeps } from './console-services.js';
import { html, type Html } from './html.js';
import { checked, integrationForm, integrationPage, msField, rawField, refusal, TOOL_FORM_BODY_LIMIT_BYTES, type IntegrationRequest } from './integration-form.js';
import { checkbox, csrfField, enabledBadge, integrationTabs, problemAlert, secretBox } from './integration-views.js';
import { renderPage } from './layout.js';
import { noticeFor, withNotice } from './notice.js';
import { redirect, sendPage } from './page-reply.js';
import { staffChrome } from './page-session.js';

interface TypedTool extends Omit<HttpToolInput, 'timeoutMs'> {
  timeoutMs: number | string;
}

interface ToolsView {
  tools: HttpToolView[];
  servers: McpServerView[];
  notice: Html;
  problem: string | null;
  typedTool: TypedTool;
  typedServer: { name: string; url: string; timeoutMs: number | string; enabled: boolean };
  secret: Html;
}

const EXAMPLE_SCHEMA = '{\n  "type": "object",\n  "properties": {\n    "order_id": { "type": "string", "description": "The order number the caller gives" }\n  },\n  "required": ["order_id"]\n}';
const EMPTY_TOOL: TypedTool = { name: '', description: '', parameters: EXAMPLE_SCHEMA, url: '', method: 'POST', timeoutMs: TOOL_TIMEOUT_MS.default, enabled: true };
const EMPTY_SERVER = { name: '', url: '', timeoutMs: TOOL_TIMEOUT_MS.default, enabled: true };

function timeoutField(id: string, value: number | string): Html {
  return html`<label for="${id}">Timeout (ms)</label>
  <input id="${id}" name="timeoutMs" type="number" inputmode="numeric" min="${TOOL_TIMEOUT_MS.min}" max="${TOOL_TIMEOUT_MS.max}" required value="${value}">`;
}

function toolFields(prefix: string, value: TypedTool): Html {
  const method = (name: string) => html`<option value="${name}"${value.method === name ? html` selected` : ''}>${name}</option>`;
  return html`<label for="${prefix}-name">Name the agent calls it by</label>
  <input id="${prefix}-name" name="name" required maxlength="64" pattern="[A-Za-z][A-Za-z0-9_\\-]{0,63}" placeholder="lookup_order" value="${value.name}">
  <label for="${prefix}-description">What it does and when to use it (the agent reads this)</label>
  <textarea id="${prefix}-description" name="description" required maxlength="1024" rows="3">${value.description}</textarea>
  <label for="${prefix}-parameters">Arguments: JSON Schema of an object</label>
  <textarea id="${prefix}-parameters" name="parameters" rows="8" maxlength="16000" spellcheck="false">${value.parameters}</textarea>
  <label for="${prefix}-url">URL</label>
  <input id="${prefix}-url" name="url" type="url" required maxlength="2048" placeholder="https://example.com/tools/lookup-order" value="${value.url}">
  <label for="${prefix}-method">Method</label>
  <select id="${prefix}-method" name="method">${HTTP_TOOL_METHODS.map(method)}</select>
  ${timeoutField(`${prefix}-timeout`, value.timeoutMs)}
  ${checkbox(`${prefix}-enabled`, 'enabled', 'On: offered to the agent', value.enabled)}`;
}

function serverFields(prefix: string, value: ToolsView['typedServer'], hasToken: boolean | null): Html {
  return html`<label for="${prefix}-name">Short name (prefixes its tools’ names when they clash)</label>
  <input id="${prefix}-name" name="name" required maxlength="32" pattern="[a-z][a-z0-9_\\-]{0,31}" placeholder="crm" value="${value.name}">
  <label for="${prefix}-url">URL (Streamable HTTP)</label>
  <input id="${prefix}-url" name="url" type="url" required maxlength="2048" placeholder="https://example.com/mcp" value="${value.url}">
  <label for="${prefix}-token">Bearer token${hasToken ? ' (leave empty to keep the saved one)' : ' (optional)'}</label>
  <input id="${prefix}-token" name="token" type="password" autocomplete="off" maxlength="4096">
  ${hasToken ? checkbox(`${prefix}-remove-token`, 'removeToken', 'Remove the saved token', false) : ''}
  ${timeoutField(`${prefix}-timeout`, value.timeoutMs)}
  ${checkbox(`${prefix}-enabled`, 'enabled', 'On: its tools are offered to the agent', value.enabled)}`;
}

function toolRow(request: IntegrationRequest, tool: HttpToolView): Html {
  const csrf = csrfField(request.context.csrfToken);
  const base = `/integrations/tools/${tool.id}`;
  const typed: TypedTool = { ...tool, parameters: JSON.stringify(tool.parameters, null, 2) };
  return html`<tr>
  <td data-label="Name"><code>${tool.name}</code><br><span class="small muted">${tool.description}</span></td>
  <td data-label="Request"><code>${tool.method} ${tool.url}</code></td>
  <td data-label="Timeout">${tool.timeoutMs} ms</td>
  <td data-label="State">${enabledBadge(tool.enabled)}</td>
  <td data-label="Actions" class="actions-cell">
    <form method="post" action="${base}/secret">${csrf}<button type="submit" class="secondary">Show secret</button></form>
    <form method="post" action="${base}/rotate">${csrf}<button type="submit" class="secondary">New secret</button></form>
    <details class="inline-form"><summary>Change</summary>
      <form class="stack" method="post" action="${base}">${csrf}${toolFields(`t-${tool.id}`, typed)}<button type="submit">Save</button></form>
      <form method="post" action="${base}/delete">${csrf}<button type="submit" class="danger">Delete this tool</button></form>
    </details>
  </td>
</tr>`;
}

function serverRow(request: IntegrationRequest, server: McpServerView): Html {
  const csrf = csrfField(request.context.csrfToken);
  const base = `/integrations/mcp/${server.id}`;
  return html`<tr>
  <td data-label="Name"><code>${server.name}</code></td>
  <td data-label="URL"><code>${server.url}</code></td>
  <td data-label="Token">${server.hasToken ? 'Saved' : html`<span class="muted">None</span>`}</td>
  <td data-label="Timeout">${server.timeoutMs} ms</td>
  <td data-label="State">${enabledBadge(server.enabled)}</td>
  <td data-label="Actions" class="actions-cell">
    <details class="inline-form"><summary>Change</summary>
      <form class="stack" method="post" action="${base}">${csrf}${serverFields(`m-${server.id}`, server, server.hasToken)}<button type="submit">Save</button></form>
      <form method="post" action="${base}/delete">${csrf}<button type="submit" class="danger">Remove this server</button></form>
    </details>
  </td>
</tr>`;
}

export function renderToolsPage(request: IntegrationRequest, view: ToolsView): string {
  const { context } = request;
  const csrf = csrfField(context.csrfToken);
  return renderPage(
    { title: 'Tools', page: 'integrations', ...staffChrome(context, 'integrations') },
    html`<h1>Integrations</h1>
${integrationTabs('tools')}
${view.notice}
${view.secret}
${problemAlert(view.problem)}
<h2>HTTP tools</h2>
<p>The agent calls a tool with the arguments it collected from the caller: a signed request (the same headers as webhooks, with the tool’s secret) that must answer within the timeout. The caller hears a short filler meanwhile; the answer, or the failure, goes back to the agent.</p>
${
  view.tools.length === 0
    ? html`<p class="muted">No HTTP tool yet.</p>`
    : html`<div class="table-wrap"><table class="calls"><caption class="visually-hidden">HTTP tools</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Request</th><th scope="col">Timeout</th><th scope="col">State</th><th scope="col">Actions</th></tr></thead>
<tbody>${view.tools.map((tool) => toolRow(request, tool))}</tbody></table></div>`
}
<section aria-labelledby="add-tool-title" class="narrow-left">
<h3 id="add-tool-title">Add an HTTP tool</h3>
<form class="stack" method="post" action="/integrations/tools">${csrf}${toolFields('add-tool', view.typedTool)}<button type="submit">Add tool</button></form>
</section>
<h2>MCP servers</h2>
<p>The tools of each server (Model Context Protocol over Streamable HTTP) are listed when a call starts and offered to the agent next to the others.</p>
${
  view.servers.length === 0
    ? html`<p class="muted">No MCP server yet.</p>`
    : html`<div class="table-wrap"><table class="calls"><caption class="visually-hidden">MCP servers</caption>
<thead><tr><th scope="col">Name</th><th scope="col">URL</th><th scope="col">Token</th><th scope="col">Timeout</th><th scope="col">State</th><th scope="col">Actions</th></tr></thead>
<tbody>${view.servers.map((server) => serverRow(request, server))}</tbody></table></div>`
}
<section aria-labelledby="add-mcp-title" class="narrow-left">
<h3 id="add-mcp-title">Add an MCP server</h3>
<form class="stack" method="post" action="/integrations/mcp">${csrf}${serverFields('add-mcp', view.typedServer, null)}<button type="submit">Add server</button></form>
</section>`,
  );
}

function typedTool(body: unknown): HttpToolInput {
  return {
    name: rawField(body, 'name', 200).trim(),
    description: rawField(body, 'description', 2000),
    parameters: rawField(body, 'parameters', 20_000),
    url: rawField(body, 'url', 2048).trim(),
    method: rawField(body, 'method', 10),
    timeoutMs: msField(body, 'timeoutMs'),
    enabled: checked(body, 'enabled'),
  };
}

function typedServer(body: unknown, options: { keepToken: boolean }): McpServerInput {
  const token = rawField(body, 'token', 5000);
  return {
    name: rawField(body, 'name', 100).trim(),
    url: rawField(body, 'url', 2048).trim(),
    token: checked(body, 'removeToken') ? '' : token === '' && options.keepToken ? null : token,
    timeoutMs: msField(body, 'timeoutMs'),
    enabled: checked(body, 'enabled'),
  };
}

const shownMs = (value: number, body: unknown) => (Number.isNaN(value) ? rawField(body, 'timeoutMs', 10) : value);

export function registerToolPages(scope: FastifyInstance, deps: ConsolePageDeps): void {
  const show = async (reply: FastifyReply, status: number, request: IntegrationRequest, extra: Partial<ToolsView>) => {
    const { tools } = request.services.integrations;
    const [httpTools, servers] = await Promise.all([tools.listHttp(request.change.businessId), tools.listMcp(request.change.businessId)]);
    return sendPage(reply, status, renderToolsPage(request, { tools: httpTools, servers, notice: html``, problem: null, typedTool: EMPTY_TOOL, typedServer: EMPTY_SERVER, secret: html``, ...extra }));
  };

  /** A POST with the tool form's larger body limit; refusals show the page with the problem and what was typed. */
  const post = (path: string, run: (form: IntegrationRequest, request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>, typed: (body: unknown) => Partial<ToolsView> = () => ({})) =>
    scope.post(path, { bodyLimit: TOOL_FORM_BODY_LIMIT_BYTES }, async (request, reply) => {
      const form = await integrationForm(request, reply, deps);
      if (!form) return reply;
      try {
        return await run(form, request, reply);
      } catch (error) {
        const { status, problem } = refusal(error);
        return show(reply, status, form, { problem, ...typed(request.body) });
      }
    });
  const id = (request: FastifyRequest) => (request.params as { id: string }).id;

  scope.get('/integrations/tools', async (request, reply) => {
    const page = await integrationPage(request, reply, deps);
    return page ? show(reply, 200, page, { notice: noticeFor(request.query) }) : reply;
  });

  post(
    '/integrations/tools',
    async (form, request, reply) => {
      const created = await form.services.integrations.tools.createHttp(form.change, typedTool(request.body));
      return show(reply, 200, form, { secret: secretBox('Tool added: its signing secret', created.secret, 'The tool’s service checks each request’s signature with this secret, exactly as a webhook receiver does.') });
    },
    (body) => {
      const tool = typedTool(body);
      return { typedTool: { ...tool, timeoutMs: shownMs(tool.timeoutMs, body) } };
    },
  );
  post('/integrations/tools/:id', async (form, request, reply) => {
    await form.services.integrations.tools.updateHttp(form.change, id(request), typedTool(request.body));
    return redirect(reply, withNotice('/integrations/tools', 'tool-saved'));
  });
  post('/integrations/tools/:id/delete', async (form, request, reply) => {
    await form.services.integrations.tools.removeHttp(form.change, id(request));
    return redirect(reply, withNotice('/integrations/tools', 'tool-deleted'));
  });
  post('/integrations/tools/:id/rotate', async (form, request, reply) => {
    const secret = await form.services.integrations.tools.rotateHttpSecret(form.change, id(request));
    return show(reply, 200, form, { secret: secretBox('New signing secret', secret, 'Calls that start from now on sign with it; update the tool’s service now.') });
  });
  post('/integrations/tools/:id/secret', async (form, request, reply) => {
    const secret = await form.services.integrations.tools.revealHttpSecret(form.change, id(request));
    return show(reply, 200, form, { secret: secretBox('Signing secret', secret, 'Keep it in the tool service’s configuration, never in code or chat.') });
  });

  post(
    '/integrations/mcp',
    async (form, request, reply) => {
      await form.services.integrations.tools.createMcp(form.change, typedServer(request.body, { keepToken: false }));
      return redirect(reply, withNotice('/integrations/tools', 'mcp-saved'));
    },
    (body) => {
      const server = typedServer(body, { keepToken: false });
      return { typedServer: { name: server.name, url: server.url, enabled: server.enabled, timeoutMs: shownMs(server.timeoutMs, body) } };
    },
  );
  post('/integrations/mcp/:id', async (form, request, reply) => {
    await form.services.integrations.tools.updateMcp(form.change, id(request), typedServer(request.body, { keepToken: true }));
    return redirect(reply, withNotice('/integrations/tools', 'mcp-saved'));
  });
  post('/integrations/mcp/:id/delete', async (form, request, reply) => {
    await form.services.integrations.tools.removeMcp(form.change, id(request));
    return redirect(reply, withNotice('/integrations/tools', 'mcp-deleted'));
  });
}
