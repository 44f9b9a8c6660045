/**
 * Which control frames the coordinator acts on: a decodable agent message, with the coordinator's
 * token on hello and rendezvous (when it has one), and from a registered agent or a joined Slurm task
 * for everything but hello, rendezvous and heartbeat (an unknown agent's heartbeat is answered with
 * `reregister`). Pure: the caller logs and answers.
 */
import { ControlDecodeError, decodeControlMessage, type AgentMessage } from '@orquesta/protocol';
import { tokenMatches } from './api-token.js';

export type Admission =
  | { readonly ok: true; readonly message: AgentMessage }
  /** `reply`: the reason to send back in a `reject`; none for frames ignored silently. */
  | { readonly ok: false; readonly log: string; readonly reply?: string };

const AGENT_MESSAGES: readonly string[] = ['hello', 'heartbeat', 'worker-report', 'worker-log', 'worker-exited', 'rendezvous'];

function isAgentMessage(m: { type: string }): m is AgentMessage {
  return AGENT_MESSAGES.includes(m.type);
}

export function admitFrame(from: string, frame: Uint8Array, token: string | undefined, isMember: (from: string) => boolean): Admission {
  let message: AgentMessage;
  try {
    const decoded = decodeControlMessage(frame);
    if (!isAgentMessage(decoded)) throw new ControlDecodeError(`${decoded.type} is not an agent message`);
    message = decoded;
  } catch (error) {
    const reason = error instanceof ControlDecodeError ? error.message : String(error);
    return { ok: false, log: `rejected a control frame from ${JSON.stringify(from)}: ${reason}`, reply: reason };
  }
  if (token === undefined) return { ok: true, message };
  if (message.type === 'hello' || message.type === 'rendezvous') {
    const presented = message.token;
    if (tokenMatches(presented, token)) return { ok: true, message };
    return {
      ok: false,
      log: `refused ${message.type} from ${JSON.stringify(from)}: ${presented === undefined ? 'no token' : 'wrong token'}`,
      reply: `${message.type} refused: ${presented === undefined ? 'this coordinator needs its token (ORQUESTA_TOKEN)' : 'the token does not match'}`,
    };
  }
  if (message.type !== 'heartbeat' && !isMember(from))
    return { ok: false, log: `ignored ${message.type} from ${JSON.stringify(from)}: not a registered agent or task` };
  return { ok: true, message };
}
