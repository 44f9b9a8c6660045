/** The coordinator's edge to its agents: addressed sends; incoming frames are fed to `Coordinator.receive`. */
import type { CoordinatorMessage } from '@orquesta/protocol';

export interface ControlChannel {
  /** Queues a message for an agent. Never throws: a message to an agent that is gone is dropped. */
  send(agent: string, message: CoordinatorMessage): void;
}
