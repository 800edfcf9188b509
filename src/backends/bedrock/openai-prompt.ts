/**
 * Turns a single-string prompt written in a model's chat template (Llama 3
 * headers, Llama 2 / Mistral [INST] blocks) back into chat messages, so a
 * chat endpoint applies its own template once instead of seeing ours twice.
 * A prompt without a template is one user message.
 */
import type { ChatMessage } from './openai-wire.ts';

const LLAMA3_TURN =
  /<\|start_header_id\|>\s*(system|user|assistant)\s*<\|end_header_id\|>([\s\S]*?)(?=<\|eot_id\|>|<\|start_header_id\|>|$)/g;
const INST_TURN = /\[INST\]([\s\S]*?)\[\/INST\]([\s\S]*?)(?=<s>|\[INST\]|$)/g;
const SYSTEM_BLOCK = /<<SYS>>([\s\S]*?)<<\/SYS>>/;

export function promptMessages(prompt: string): ChatMessage[] {
  if (prompt.includes('<|start_header_id|>')) return llama3(prompt);
  if (prompt.includes('[INST]')) return inst(prompt);
  return [{ role: 'user', content: prompt }];
}

function llama3(prompt: string): ChatMessage[] {
  const messages: ChatMessage[] = [];
  for (const [, role, content] of prompt.matchAll(LLAMA3_TURN)) {
    messages.push({ role: role as ChatMessage['role'], content: (content ?? '').trim() });
  }
  return dropOpenAssistantTurn(messages);
}

function inst(prompt: string): ChatMessage[] {
  const messages: ChatMessage[] = [];
  for (const [, user = '', answer = ''] of prompt.matchAll(INST_TURN)) {
    let text = user;
    const system = SYSTEM_BLOCK.exec(text);
    if (system) {
      messages.push({ role: 'system', content: (system[1] ?? '').trim() });
      text = text.replace(SYSTEM_BLOCK, '');
    }
    messages.push({ role: 'user', content: text.trim() });
    const reply = answer.replace(/<\/s>/g, '').trim();
    if (reply !== '') messages.push({ role: 'assistant', content: reply });
  }
  return messages;
}

/** The template ends with an empty assistant header: the turn the model is asked to write. */
function dropOpenAssistantTurn(messages: ChatMessage[]): ChatMessage[] {
  const last = messages.at(-1);
  return last && last.role === 'assistant' && last.content === '' ? messages.slice(0, -1) : messages;
}
