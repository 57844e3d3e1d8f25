import { analyzeAsUcs2, type Message, type ProviderCapabilities } from '@rota/provider';

/**
 * The message as this provider sends it: as analysed, or — a provider without the Turkish shift
 * tables, given a text that needs them — as UCS-2, which carries any text (one segment up to 70
 * characters, as the shift table; past that two to three times its segments: 155 letters are one
 * there, three as UCS-2), so that the results say what was sent and billed. The walk skips the
 * provider when that is over the segment limit.
 */
export function asSentBy(capabilities: ProviderCapabilities, template: Message): Message {
  const { encodings } = capabilities;
  if (encodings.includes(template.analysis.encoding) || !encodings.includes('UCS2')) return template;
  // Made once a message: a bulk through a provider of one recipient a request walks here once a recipient.
  let copy = ucs2Copies.get(template);
  if (!copy) ucs2Copies.set(template, (copy = { ...template, analysis: analyzeAsUcs2(template.text) }));
  return copy;
}

const ucs2Copies = new WeakMap<Message, Message>();
