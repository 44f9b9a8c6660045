/** How an agent talks to its coordinator: ordered sends, and a handler for what comes back. */
import type { AgentMessage } from '@orquesta/protocol';

export interface AgentConnection {
  /** Queues a message; messages queue while the coordinator is unreachable and go out in order. Never throws. */
  send(message: AgentMessage): void;
}
