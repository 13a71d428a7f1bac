import { describe, expect, it } from 'vitest';
import { escapeHtml, html, htmlText } from '../../../src/console/html.js';

describe('escaping', () => {
  it('escapes the five characters that matter in content and quoted attributes', () => {
    expect(escapeHtml(`<script>alert("x") & 'y'</script>`)).toBe('&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;');
  });

  it('escapes every value in a template, except markup made by a template', () => {
    const name = `O'Brien "Bob" <b>`;
    const inner = html`<em>${name}</em>`;
    const page = html`<p title="${name}">${inner} ${['<i>', html`<br>`]} ${null}${undefined}${false}${3}</p>`;
    expect(htmlText(page)).toBe(
      '<p title="O&#39;Brien &quot;Bob&quot; &lt;b&gt;"><em>O&#39;Brien &quot;Bob&quot; &lt;b&gt;</em> &lt;i&gt;<br> 3</p>',
    );
  });

  it('treats an object that merely looks like markup as text', () => {
    const forged = { text: '<script>alert(1)</script>' } as unknown as string;
    expect(htmlText(html`${forged}`)).not.toContain('<script>');
  });
});
