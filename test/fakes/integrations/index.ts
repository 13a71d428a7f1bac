export { FakeWebhookReceiver, type ReceivedWebhook } from './webhook-receiver.js';
export { FakeToolServer, type ToolRequest, type ToolAnswer, type ToolHandler } from './http-tool-server.js';
export { FakeMcpServer, type FakeMcpTool, type McpCallSeen } from './mcp-server.js';
