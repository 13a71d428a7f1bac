// One NodeRuntime per configured Asterisk node, each with its own ARI client
// and CallManager: the calls of a node share the replica's gateways, writer
// and stores, and differ in their ARI address, their media websocket URL and
// the node name their rows record.
import { randomUUID } from 'node:crypto';
import type { Tracer } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { AriRest } from '../ari/rest.js';
import { normalizeAriUrl } from '../ari/url.js';
import { mediaWebSocketUrlOf, type Config } from '../config.js';
import type { PrismaClient } from '../db/index.js';
import type { MediaGatewayClient } from '../media-gateway/client.js';
import type { AiShareChooser } from '../calls/ai-share-router.js';
import type { BusinessDirectory } from '../calls/business-directory.js';
import type { CallLogWriter } from '../calls/call-log-writer.js';
import { openRowsOfNode } from '../calls/call-log-store.js';
import { CallManager } from '../calls/call-manager.js';
import type { CallSettings } from '../calls/call-session-deps.js';
import { prismaConversationSoFar } from '../calls/conversation-so-far.js';
import { openCallIds } from './cluster-store.js';
import type { AsteriskNode } from './cluster-config.js';
import { NodeIdentities } from './node-identity.js';
import { NodeRuntime } from './node-runtime.js';

export interface NodeRuntimesDeps {
  readonly config: Config;
  readonly prisma: PrismaClient;
  readonly media: MediaGatewayClient;
  readonly writer: CallLogWriter;
  readonly directory: BusinessDirectory;
  readonly aiShare: AiShareChooser;
  readonly tracer: Tracer;
  readonly logger: Logger;
}

export interface NodeRuntimes {
  readonly nodes: NodeRuntime[];
  /** Closed at shutdown, after the nodes stop. */
  readonly identities: NodeIdentities;
}

export function createNodeRuntimes(deps: NodeRuntimesDeps): NodeRuntimes {
  const { config, prisma, logger } = deps;
  const { appName, requestTimeoutMs, pingIntervalMs, pongTimeoutMs, reconnectMinMs, reconnectMaxMs, replacedCheckMs } = config.ari;
  const restOf = (node: AsteriskNode) =>
    new AriRest({ httpBase: normalizeAriUrl(node.url).httpBase, username: node.username, password: node.password, requestTimeoutMs, logger });
  const identities = new NodeIdentities(
    config.cluster.nodes.map((node) => {
      const rest = restOf(node);
      return { name: node.name, systemName: (signal: AbortSignal) => rest.systemName(signal) };
    }),
    logger,
  );
  const conversationSoFar = prismaConversationSoFar(prisma);
  const nodes = config.cluster.nodes.map(
    (node) =>
      new NodeRuntime({
        node,
        ari: { appName, requestTimeoutMs, pingIntervalMs, pongTimeoutMs, reconnectMinMs, reconnectMaxMs, replacedCheckMs },
        calls: new CallManager({
          ari: restOf(node),
          media: deps.media,
          writer: deps.writer,
          directory: deps.directory,
          settings: callSettingsOf(config, node),
          logger: logger.child({ node: node.name }),
          now: () => new Date(),
          newId: randomUUID,
          tracer: deps.tracer,
          openCallIds: (callIds) => openCallIds(prisma, callIds),
          aiShare: deps.aiShare,
          conversationSoFar,
        }),
        writer: deps.writer,
        openRows: () => openRowsOfNode(prisma, node.name),
        identities,
        logger,
      }),
  );
  return { nodes, identities };
}

/** What the calls of one node are set up with. */
export function callSettingsOf(config: Config, node: AsteriskNode): CallSettings {
  return {
    appName: config.ari.appName,
    mediaTransport: config.ari.mediaTransport,
    mediaFormat: config.ari.mediaFormat,
    mediaWebSocketUrl: config.ari.mediaWebSocketUrl ?? mediaWebSocketUrlOf(node.url),
    defaultCountryCode: config.calls.defaultCountryCode,
    externalMediaStasisTimeoutMs: config.calls.externalMediaStasisTimeoutMs,
    transferRingTimeoutS: config.calls.transferRingTimeoutS,
    announcementTimeoutMs: config.calls.announcementTimeoutMs,
    outbound: config.outbound,
    setupTimeoutMs: config.calls.setupTimeoutMs,
    node: node.name,
  };
}
