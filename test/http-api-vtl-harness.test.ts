/**
 * The VTL harness is only worth trusting if it reproduces API Gateway where the templates depend on it:
 * Commons Lang escapeJavaScript, Java regex replaceAll, Velocity string literals.
 */
import { describe, expect, it } from 'vitest';
import { escapeJavaScript, javaUrlEncode, renderRequestTemplate, renderResponseTemplate } from './support/vtl.ts';

describe('the VTL harness', () => {
  it("escapes like Commons Lang escapeJavaScript: ' becomes \\' and / becomes \\/", () => {
    expect(escapeJavaScript(`it's "x" \\ /`)).toBe(String.raw`it\'s \"x\" \\ \/`);
  });

  it('escapes control characters by name or as \\u00XX, and everything above 0x7f per UTF-16 unit', () => {
    expect(escapeJavaScript('a\nb\tc\rd\be\ff\u0001g\u001f')).toBe(String.raw`a\nb\tc\rd\be\ff\u0001g\u001F`);
    expect(escapeJavaScript('é€😀')).toBe(String.raw`\u00E9\u20AC\uD83D\uDE00`);
  });

  it("shows why the apostrophe fix is needed: escapeJavaScript alone is not JSON", () => {
    expect(() => JSON.parse(`"${escapeJavaScript("it's")}"`)).toThrow();
  });

  it('keeps backslashes in Velocity string literals and gives replaceAll Java regex semantics', () => {
    const rendered = renderRequestTemplate(String.raw`$input.params('t').replaceAll("\\'", "'")`, {
      querystring: { t: String.raw`it\'s` },
    });
    expect(rendered.text).toBe("it's");
  });

  it('gives matches() Java whole-string semantics', () => {
    const template = `#if($input.params('k').matches("[a-z]{1,3}"))yes#{else}no#end`;
    expect(renderRequestTemplate(template, { headers: { k: 'abc' } }).text).toBe('yes');
    expect(renderRequestTemplate(template, { headers: { k: 'abcd' } }).text).toBe('no');
  });

  it('looks a parameter up in the path, then the query string, then the headers', () => {
    const request = { path: { id: 'p' }, querystring: { id: 'q', only: 'q' }, headers: { id: 'h', last: 'h' } };
    expect(renderRequestTemplate(`$input.params('id')|$input.params('only')|$input.params('last')`, request).text).toBe('p|q|h');
  });

  it('reads the integration response with $input.json and $input.path in response templates', () => {
    const rendered = renderResponseTemplate(`$input.json('$.a')|$input.path('$.a.b')`, '{"a":{"b":"c"}}');
    expect(rendered.text).toBe('{"b":"c"}|c');
  });

  it('refuses $input.json of a path that selects nothing, because API Gateway does not document it', () => {
    expect(() => renderResponseTemplate(`$input.json('$.missing')`, '{}')).toThrow(/selects nothing/);
  });

  it('renders a missing $input.path as null or as an empty string, as chosen', () => {
    expect(renderResponseTemplate(`[$!input.path('$.missing')]`, '{}', {}, { missingPath: 'null' }).text).toBe('[]');
    expect(renderResponseTemplate(`[$input.path('$.missing')]`, '{}', {}, { missingPath: 'empty' }).text).toBe('[]');
  });

  it('refuses conditions on a bare reference, where Velocity and JavaScript disagree about empty strings', () => {
    expect(() => renderRequestTemplate('#set($x = "")#if($x)a#end', {})).toThrow(/bare reference/);
  });

  it('records $context.responseOverride assignments', () => {
    const rendered = renderResponseTemplate('#set($context.responseOverride.status = 409)', '{}');
    expect(rendered.responseOverride.status).toBe(409);
  });

  it('url-encodes like java.net.URLEncoder', () => {
    expect(javaUrlEncode('a b/c~é*')).toBe('a+b%2Fc%7E%C3%A9*');
  });
});
