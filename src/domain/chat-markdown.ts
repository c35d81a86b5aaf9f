/**
 * Markdown that chat tools render the same way: what Slack's mrkdwn and Teams' text-message Markdown both show.
 *
 * - Slack mrkdwn: `*bold*`, `_italic_`, `~strike~`, `` `code` `` (one backtick), ``` blocks, `>` quotes, `<url|text>`
 *   links; `&`, `<` and `>` must be sent as `&amp;`, `&lt;`, `&gt;`; no headings, no tables, no list syntax (a
 *   `- item` line shows as it is), no backslash escapes (a `\*` shows the backslash).
 * - Teams text messages: `**bold**`, `*italic*`/`_italic_`, code spans, `>` quotes, `- ` lists (desktop; other
 *   clients show the `- ` line as it is); no headings, no tables, no horizontal rules; HTML entities are decoded;
 *   lines of one paragraph are joined (a single line break is a space).
 *
 * So this module writes only what both show alike: paragraphs separated by blank lines, `- ` list items (one per
 * line), and one-backtick code spans; no emphasis, headings, tables, links or backslash escapes. Text that holds a
 * character either renderer could read as markup goes into a code span, where neither formats anything; inside
 * code spans the characters that Slack needs as entities but Teams would show as entities (`&`, `<`, `>`), and the
 * backtick, are replaced by look-alikes. Line breaks in content become spaces, so content never starts a block.
 */

/** Line breaks and other control characters turned into spaces. */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029]+/g, ' ');
}

const CODE_LOOKALIKES: Record<string, string> = { '`': '\u02cb', '&': '\uff06', '<': '\uff1c', '>': '\uff1e' };

/** A one-backtick code span holding `text` (backtick, `&`, `<`, `>` shown as look-alikes). */
export function code(text: string): string {
  const flat = oneLine(text).trim();
  if (flat === '') return '(blank)';
  return `\`${flat.replace(/[`&<>]/g, (c) => CODE_LOOKALIKES[c]!)}\``;
}

/** Characters that either renderer may read as markup anywhere in a line. */
const MARKUP = /[*_~`|\\[\]<>&]/;
/** What may start a block (quote, list item, ordered list). */
const BLOCK_START = /^\s*(>|#|[-+=*]\s|\d+[.)]\s)/;

/**
 * Free text (a reason, a comment, a finding's message) as it is when it holds no markup character, else in a code
 * span: either way both renderers show exactly the text.
 */
export function text(value: string): string {
  const flat = oneLine(value).trim();
  if (flat === '') return '(blank)';
  return MARKUP.test(flat) || BLOCK_START.test(flat) ? code(flat) : flat;
}

/** A `- ` list item line. */
export const item = (content: string): string => `- ${content}`;

/** Joins blocks (paragraphs, or lists given as arrays of item lines) with blank lines; ends with a newline. */
export function blocks(parts: (string | string[])[]): string {
  return (
    parts
      .filter((p) => (Array.isArray(p) ? p.length > 0 : p !== ''))
      .map((p) => (Array.isArray(p) ? p.join('\n') : p))
      .join('\n\n') + '\n'
  );
}
