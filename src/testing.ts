/**
 * `switchyard/testing`: run handlers without sockets. The memory transport
 * drives the same hub, codec and bus as a real WebSocket; its clients keep
 * every frame they receive.
 */
export { MemoryTransport } from './transport/memory/memory-transport.js';
export type { MemoryTransportOptions } from './transport/memory/memory-transport.js';
export { MemoryClient, settle as settleReply } from './transport/memory/memory-client.js';
export { FrameInbox } from './transport/memory/frame-inbox.js';
