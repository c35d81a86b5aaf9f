/**
 * What two chat tools show for a Markdown text, reduced to their visible text, so tests can check that chat output
 * reads the same in both (src/domain/chat-markdown.ts):
 *
 * - Slack mrkdwn (docs.slack.dev "Formatting text for app surfaces"): `*bold*`, `_italic_`, `~strike~`, `` `code` ``,
 *   `>` quotes, `<url|label>` links, `&amp;`/`&lt;`/`&gt;` entities. No headings, tables, lists or backslash escapes:
 *   those characters show as they are. Line breaks are kept.
 * - Teams text-message Markdown (learn.microsoft.com "Format your bot messages"): bold `**x**`, italic `*x*`/`_x_`,
 *   strike `~~x~~`, code spans, `>` quotes, `- ` lists (desktop), entities decoded, backslash escapes; no headings
 *   and no tables (shown as they are); the lines of one paragraph are joined with a space.
 *
 * Both reduce formatting to its text (bold, italic and code alike); what they cannot format stays visible, which
 * is what the tests look for.
 */

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"' };
const decode = (s: string) => s.replace(/&(amp|lt|gt|quot);/g, (e) => ENTITIES[e]!);

/** Splits a line into code spans (one backtick, as Slack reads them) and the text between them. */
function spans(line: string): { code: boolean; text: string }[] {
  const out: { code: boolean; text: string }[] = [];
  const re = /`([^`]+)`/g;
  let last = 0;
  for (let m = re.exec(line); m; m = re.exec(line)) {
    if (m.index > last) out.push({ code: false, text: line.slice(last, m.index) });
    out.push({ code: true, text: m[1]! });
    last = m.index + m[0].length;
  }
  if (last < line.length) out.push({ code: false, text: line.slice(last) });
  return out;
}

function slackInline(text: string): string {
  return decode(
    text
      .replace(/<([^|>]+)\|([^>]+)>/g, '$2')
      .replace(/(^|[\s(])\*(\S(?:[^*]*\S)?)\*(?=$|[\s).,:;!?])/g, '$1$2')
      .replace(/(^|[\s(])_(\S(?:[^_]*\S)?)_(?=$|[\s).,:;!?])/g, '$1$2')
      .replace(/(^|[\s(])~(\S(?:[^~]*\S)?)~(?=$|[\s).,:;!?])/g, '$1$2'),
  );
}

/** The visible text of a message in Slack mrkdwn. */
export function slackVisible(md: string): string {
  return md
    .split('\n')
    .map((line) => line.replace(/^>\s?/, ''))
    .map((line) => spans(line).map((s) => (s.code ? decode(s.text) : slackInline(s.text))).join(''))
    .join('\n')
    .trim();
}

function teamsInline(text: string): string {
  return decode(
    text
      .replace(/\\([\\`*_{}[\]()#+\-.!|~<>&])/g, '$1')
      .replace(/\[([^\]]+)\]\(([^)]+)\)/g, '$1')
      .replace(/\*\*(\S(?:.*?\S)?)\*\*/g, '$1')
      .replace(/~~(\S(?:.*?\S)?)~~/g, '$1')
      .replace(/(^|[^\w*])\*(\S(?:[^*]*\S)?)\*(?!\w)/g, '$1$2')
      .replace(/(^|[^\w_])_(\S(?:[^_]*\S)?)_(?!\w)/g, '$1$2'),
  );
}

/** The visible text of a text message in Teams: paragraphs joined, list items one per line with a bullet. */
export function teamsVisible(md: string): string {
  const paragraphs = md.trim().split(/\n\s*\n/);
  return paragraphs
    .map((p) => {
      const lines = p.split('\n').map((l) => l.replace(/^>\s?/, ''));
      const out: string[] = [];
      for (const line of lines) {
        const inline = spans(line.replace(/^- /, '')).map((s) => (s.code ? s.text : teamsInline(s.text))).join('');
        if (/^- /.test(line)) out.push(`\u2022 ${inline}`);
        else if (out.length > 0 && !out[out.length - 1]!.startsWith('\u2022 ')) out[out.length - 1] += ` ${inline}`;
        else out.push(inline);
      }
      return out.join('\n');
    })
    .join('\n\n');
}

/**
 * Problems that would show in either tool: tables, headings, emphasis or escapes only one tool renders, multi-backtick
 * code spans (Slack has none), markup characters outside code spans, unbalanced code spans. Empty when the text
 * reads the same in both.
 */
export function chatProblems(md: string): string[] {
  const problems: string[] = [];
  md.split('\n').forEach((line, i) => {
    const at = `line ${i + 1} ${JSON.stringify(line)}`;
    if (/^\s*\|.*\|\s*$/.test(line) || /^\s*\|?\s*:?-{3,}:?\s*\|/.test(line)) problems.push(`${at}: a pipe table`);
    if (/^\s*#{1,6}\s/.test(line)) problems.push(`${at}: a heading`);
    if (/^\s*(-{3,}|\*{3,}|_{3,})\s*$/.test(line)) problems.push(`${at}: a horizontal rule`);
    if (/``/.test(line)) problems.push(`${at}: a multi-backtick code span`);
    if ((line.match(/`/g) ?? []).length % 2 !== 0) problems.push(`${at}: an unbalanced code span`);
    const outside = spans(line)
      .filter((s) => !s.code)
      .map((s) => s.text)
      .join(' ')
      .replace(/^- /, '')
      // An underscore inside a word (NO_PROXY) is emphasis in neither tool.
      .replace(/(?<=[A-Za-z0-9])_(?=[A-Za-z0-9])/g, '');
    const markup = outside.match(/[*_~\\[\]<>&|]/);
    if (markup) problems.push(`${at}: ${JSON.stringify(markup[0])} outside a code span`);
  });
  return problems;
}
