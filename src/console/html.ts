// HTML made from templates. Every value put into an html`` template is escaped
// unless it is itself Html made by this module, so a page can only contain
// markup its own source wrote: a caller number, a transcript or a business
// name is always text, never tags or attributes.

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text safe in element content and in quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => ESCAPES[char]!);
}

const TRUSTED = Symbol('trusted html');

/** Markup built by html``; its text is never escaped again. */
export interface Html {
  readonly [TRUSTED]: true;
  readonly text: string;
}

/** What a template accepts: nothing (null, undefined, false) renders as ''. */
export type HtmlValue = Html | string | number | null | undefined | false | readonly HtmlValue[];

function isHtml(value: unknown): value is Html {
  return typeof value === 'object' && value !== null && TRUSTED in value;
}

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return escapeHtml(value);
  if (isHtml(value)) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  // Not a type a template takes (it got past the compiler): shown as text.
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a stray Date or true reads better as its string than as nothing
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let text = strings[0] ?? '';
  values.forEach((value, index) => {
    text += render(value) + (strings[index + 1] ?? '');
  });
  return { [TRUSTED]: true, text };
}

/** The markup of a finished page. */
export function htmlText(value: Html): string {
  return value.text;
}
