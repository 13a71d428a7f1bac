import { describe, expect, it } from 'vitest';
import { FORM_MAX_FIELDS, FormFields, formField } from '../../../src/console/form-body.js';

describe('form bodies', () => {
  it('keeps the first value of a repeated field and decodes + and %', () => {
    const form = FormFields.parse('email=a%40b.example&password=p+w%26&email=other');
    expect(formField(form, 'email')).toBe('a@b.example');
    expect(formField(form, 'password')).toBe('p w&');
    expect(formField(form, 'missing')).toBeNull();
    expect(formField({ email: 'json' }, 'email')).toBeNull();
  });

  it('refuses more fields than a console form has', () => {
    const body = Array.from({ length: FORM_MAX_FIELDS + 1 }, (_, i) => `f${i}=x`).join('&');
    expect(() => FormFields.parse(body)).toThrow(expect.objectContaining({ statusCode: 400 }));
  });
});
